// `--force` replaces a model so that a crash at any point leaves the old model or the new one
// loadable: the CLI is SIGKILLed after every step of the save (the test-only fault hook
// SEQCAST_TEST_KILL_AFTER), then the normal load path (`chars predict`) must work and clean up.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../testing/run-cli.js';

let tmp: string;
let original: string;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SEQCAST_QUIET: '1', ...env } });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const OLD_TEXT = 'hihello';
const NEW_TEXT = 'hellohello'; // no "i": tells the new model from the old one
const train = (text: string, out: string) => ['chars', 'train', '--inline', text, '--seq', '3', '--epochs', '2', '--out', out, '--force'];

/** Characters of the model saved at `dir`, read from its metadata. */
async function vocabularyOf(dir: string): Promise<string> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'seqcast.json'), 'utf8')) as { extra: { vocabulary: { chars: string[] } } };
  return meta.extra.vocabulary.chars.join('');
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-force-'));
  original = path.join(tmp, 'original');
  const r = run(train(OLD_TEXT, original));
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('chars train --force', () => {
  // Each step of saveModelDir's replacement, and which model a crash right after it leaves.
  const steps: [string, 'old' | 'new'][] = [
    ['save:created-temp', 'old'],
    ['save:wrote-weights', 'old'],
    ['save:wrote-all', 'old'],
    ['save:moved-old-aside', 'new'], // the model is gone from its place until the next load
    ['save:moved-new-in', 'new'],
  ];
  it.each(steps)('break 7: SIGKILL after %s leaves the %s model loadable and no leftovers after the next load', async (step, expected) => {
    const parent = path.join(tmp, step.replace(/[^a-z]/g, '-'));
    const model = path.join(parent, 'm');
    await fs.mkdir(parent);
    await fs.cp(original, model, { recursive: true });

    const killed = run(train(NEW_TEXT, model), { SEQCAST_TEST_KILL_AFTER: step });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect((await fs.readdir(parent)).some((n) => n.startsWith('.m.tmp-'))).toBe(true); // it did die mid-save

    const predicted = run(['chars', 'predict', '--model', model, '--text', 'hello']);
    expect(predicted.stderr).toBe('');
    expect(predicted.code).toBe(0);
    expect(await vocabularyOf(model)).toBe(expected === 'old' ? 'ehilo' : 'ehlo');
    expect(await fs.readdir(parent)).toEqual(['m']);
    expect((await fs.readdir(model)).sort()).toEqual(['model.json', 'seqcast.json', 'weights.bin']);

    // And the next --force replacement works as usual.
    const again = run(train(NEW_TEXT, model));
    expect(again.code, again.stderr).toBe(0);
    expect(await fs.readdir(parent)).toEqual(['m']);
  });
});
