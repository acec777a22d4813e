// A model save that meets a full disk (ENOSPC) or quota (EDQUOT) ends the CLI with one line naming
// the directory and exit code 10 (INSUFFICIENT_STORAGE, the server's 507), and the model already
// there is kept. The full disk is simulated in the CLI's own process: a preloaded module makes
// every write of a weights file fail as the kernel would.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODE } from '@seqcast/core';
import { CLI } from '../testing/run-cli.js';

let tmp: string;
let model: string;

/** Run the CLI with writes of `weights.bin` failing with errno `code` (none: a normal run). */
function run(args: string[], code?: string) {
  const preload = code ? ['--import', path.join(tmp, `fail-${code}.mjs`)] : [];
  const r = spawnSync(process.execPath, [...preload, CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SEQCAST_QUIET: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const train = (text: string) => ['chars', 'train', '--inline', text, '--seq', '3', '--epochs', '2', '--out', model, '--force'];

async function vocabularyOf(dir: string): Promise<string> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'seqcast.json'), 'utf8')) as { extra: { vocabulary: { chars: string[] } } };
  return meta.extra.vocabulary.chars.join('');
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-full-disk-'));
  model = path.join(tmp, 'models', 'hi');
  for (const code of ['ENOSPC', 'EDQUOT']) {
    await fs.writeFile(
      path.join(tmp, `fail-${code}.mjs`),
      `import { promises } from 'node:fs';
const write = promises.writeFile;
promises.writeFile = (file, ...rest) =>
  String(file).endsWith('weights.bin') ? Promise.reject(Object.assign(new Error('${code}: simulated'), { code: '${code}' })) : write(file, ...rest);
`,
    );
  }
  const r = run(train('hihello'));
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('a full disk while saving a model', () => {
  it.each([
    ['ENOSPC', 'no space left on the device'],
    ['EDQUOT', 'disk quota exceeded'],
  ])('%s: exit 10 with one line naming the directory; the old model is kept', async (code, reason) => {
    const before = await vocabularyOf(model);
    const r = run(train('hellohello'), code);
    expect(r.code).toBe(EXIT_CODE.INSUFFICIENT_STORAGE);
    expect(r.code).toBe(10);
    // Training's progress lines, then the one error line (no stack).
    const errors = r.stderr.split('\n').filter((l) => !l.startsWith('train epoch') && l.trim() !== '');
    expect(errors).toEqual([
      `seqcast: error: cannot save a model at ${model} (${code}: ${reason}); nothing at ${model} was changed; free space in ${path.dirname(model)} and retry`,
    ]);
    expect(await vocabularyOf(model)).toBe(before);
    expect((await fs.readdir(path.dirname(model))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(run(['chars', 'next', '--model', model, '--text', 'hi']).code).toBe(0);
  });
});
