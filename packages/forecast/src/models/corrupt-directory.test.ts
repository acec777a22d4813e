// A damaged per-series model directory is refused by SeriesForecaster.load with one BAD_MODEL line naming
// what is wrong (the file, or the seqcast.json field), never a stack trace or a wrong forecast.
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSeqcastError } from '@seqcast/core/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { SeriesForecaster } from './series-forecaster.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'main-f230b82', 'seasonal-gru');
const root = mkdtempSync(path.join(os.tmpdir(), 'seqcast-corrupt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Json = Record<string, unknown>;
let n = 0;
/** A copy of a good saved forecaster, damaged by `damage`. */
function damaged(damage: (dir: string, meta: Json & { config: Json; extra: Json }) => void): string {
  const dir = path.join(root, `m${n++}`);
  cpSync(fixture, dir, { recursive: true });
  const file = path.join(dir, 'seqcast.json');
  const meta = JSON.parse(readFileSync(file, 'utf8')) as Json & { config: Json; extra: Json };
  damage(dir, meta);
  if (!readFileSync(file, 'utf8').startsWith('{ broken')) writeFileSync(file, JSON.stringify(meta));
  return dir;
}

async function loadError(dir: string): Promise<string> {
  try {
    const m = await SeriesForecaster.load(dir);
    m.dispose();
    return 'no error';
  } catch (e) {
    if (isSeqcastError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
}

describe('SeriesForecaster.load on a damaged directory', () => {
  it('the undamaged copy loads (so each failure below is the damage)', async () => {
    expect(await loadError(damaged(() => undefined))).toBe('no error');
  });

  const fieldCases: [string, (c: Json) => void, string][] = [
    ['a linear kernel of the wrong size', (c) => (c.linearKernel = (c.linearKernel as number[]).slice(1)), 'config.linearKernel'],
    ['a missing bias', (c) => delete c.linearBias, 'config.linearBias'],
    ['bases that do not match the horizon', (c) => (c.bases = ['naive']), 'config.bases'],
    ['a window of zero', (c) => (c.window = 0), 'config.window'],
    ['a target outside the features', (c) => (c.target = 'other'), 'config.features'],
    ['a feature without its statistics', (c) => (c.stats = {}), 'config.stats.value'],
  ];
  for (const [what, damage, field] of fieldCases) {
    it(`${what}: BAD_MODEL naming ${field}`, async () => {
      const dir = damaged((_, meta) => damage(meta.config));
      const err = await loadError(dir);
      expect(err).toBe(`BAD_MODEL: ${dir}: field "${field}" is missing or invalid`);
    });
  }

  it('missing training info: BAD_MODEL naming extra.info', async () => {
    const dir = damaged((_, meta) => delete meta.extra.info);
    expect(await loadError(dir)).toBe(`BAD_MODEL: ${dir}: field "extra.info" is missing`);
  });

  it('seqcast.json that is not JSON, and truncated weights: one BAD_MODEL line naming the file', async () => {
    const notJson = damaged((dir) => writeFileSync(path.join(dir, 'seqcast.json'), '{ broken'));
    const errJson = await loadError(notJson);
    expect(errJson).toMatch(/^BAD_MODEL: /);
    expect(errJson).toContain('seqcast.json');
    expect(errJson).not.toContain('\n');

    const short = damaged((dir) => truncateSync(path.join(dir, 'weights.bin'), 100));
    const errWeights = await loadError(short);
    expect(errWeights).toMatch(/^BAD_MODEL: /);
    expect(errWeights).toContain('weights');
    expect(errWeights).not.toContain('\n');
  });
});
