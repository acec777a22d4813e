// `seqcast serve` in a child process on a free port, for the server benchmarks: resolves with
// the child and its URL once it prints where it serves; rejects with its stderr if it exits first.
import { spawn } from 'node:child_process';

export function serveInChild({ cli, modelsDir, extra = [], env = {} }) {
  const child = spawn(process.execPath, [cli, 'serve', '--models', modelsDir, '--port', '0', '--quiet', ...extra], {
    env: { ...process.env, SEQCAST_QUIET: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = / at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}
