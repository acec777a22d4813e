/**
 * docs/server.md cannot drift from the server: this test runs `seqcast start` on an empty models
 * directory (as `pnpm start` does on its first run) and compares its output with the Quick start
 * block, then runs the shell blocks of "Endpoints" and "Training jobs" with bash, as written, and
 * compares each command's output with the `# ` lines under it.
 *
 * In the documented outputs `…` stands for any text (ids, timestamps, durations, long arrays);
 * a `# ` line indented by two or more spaces continues the line above (long JSON wrapped for
 * reading); a trailing `  (remark)` and lines that are only a remark are commentary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesDoc } from './doc-output.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'apps/cli/dist/main.js');
const DOC = readFileSync(path.join(REPO, 'docs/server.md'), 'utf8');
const TOKEN = 's3cret'; // the value the doc exports

/** The text of the first fenced block of `lang` after `heading`. */
function block(heading: string, lang: string): string {
  const from = DOC.indexOf(`\n${heading}\n`);
  expect(from, heading).toBeGreaterThanOrEqual(0);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(DOC.slice(from));
  expect(m, `${heading}: a ${lang} block`).not.toBeNull();
  return m![1]!;
}

interface Step {
  command: string;
  expected: string | null;
}

/** Commands of a shell block, each with the `# ` output lines that follow it. */
function steps(sh: string): Step[] {
  const out: Step[] = [];
  let cmd: string[] = [];
  let exp: string[] | null = null;
  const flush = () => {
    if (cmd.length) out.push({ command: cmd.join('\n'), expected: exp ? exp.join('\n') : null });
    cmd = [];
    exp = null;
  };
  for (const line of sh.split('\n')) {
    if (line.startsWith('#')) {
      exp ??= [];
      const body = line.replace(/^# ?/, '');
      if (/^\s*\(.*\)\s*$/.test(body)) continue; // a remark line
      const text = body.replace(/\s{2,}\(.*\)\s*$/, '');
      if (/^\s{1,}/.test(body) && exp.length) exp[exp.length - 1] += text.trim();
      else exp.push(text);
    } else if (line.trim() === '') {
      if (exp) flush();
    } else {
      if (exp) flush();
      cmd.push(line);
    }
  }
  flush();
  return out;
}

const MARK = '@@seqcast-doc-step@@';

/** Run the steps in one bash (so variables carry over) and return each step's output. */
function runSteps(list: Step[], cwd: string, url: string): Promise<string[]> {
  const script = ['set -euo pipefail', ...list.map((s) => `${s.command.replace(/^U=http:\/\/127\.0\.0\.1:3000$/m, `U=${url}`)}\nprintf '\\n${MARK}\\n'`)].join(
    '\n',
  );
  return new Promise((resolve, reject) => {
    // The doc's `seqcast` is the CLI as a user has it on PATH.
    const bin = path.join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'seqcast'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
    const env = { ...process.env, U: url, PATH: `${bin}:${process.env.PATH}` };
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bash exited ${code}: ${stderr.slice(-1500)}`));
      resolve(stdout.split(`\n${MARK}\n`).map((s) => s.replace(/\r/g, '').trim()));
    });
  });
}

let work: string;
let app: string;
let server: ChildProcess;
let url: string;
let startOutput: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'seqcast-docs-'));
  app = path.join(work, 'app');
  mkdirSync(app);
  const env: NodeJS.ProcessEnv = { ...process.env, SEQCAST_TOKEN: TOKEN };
  delete env.SEQCAST_QUIET;
  server = spawn(process.execPath, [CLI, 'start', '--models', 'models', '--port', '0', '--quiet'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  startOutput = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    server.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/^try: .*\n/m.test(out)) resolve(out);
    });
    server.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    server.on('exit', (code) => reject(new Error(`seqcast start exited ${code}: ${err.slice(-1000)}`)));
  });
  url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(startOutput)![1]!;
}, 600_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docs/server.md', () => {
  it('Quick start: the first `pnpm start` prints what the doc shows', () => {
    const shown = block('## Quick start', 'text').trim();
    const actual = startOutput.trim().replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:3000');
    expect(matchesDoc(actual, shown), actual).toBeNull();
  });

  it('Endpoints and Training jobs: every curl, run as written, answers what the doc shows', async () => {
    const list = [...steps(block('## Endpoints', 'sh')), ...steps(block('## Training jobs', 'sh'))];
    expect(list.filter((s) => s.expected !== null).length).toBeGreaterThanOrEqual(9);
    for (const s of list) expect(s.command, 'no placeholder left in a command').not.toContain('…');
    const outputs = await runSteps(list, app, url);
    list.forEach((s, i) => {
      if (s.expected === null) return;
      expect(matchesDoc(outputs[i]!, s.expected), `${s.command}\n${outputs[i]}`).toBeNull();
    });
  });
});
