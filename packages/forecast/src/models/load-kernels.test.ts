// SeriesForecaster.load picks the kernel path itself (a fresh process, nothing else initialised it), so
// `forecast predict/eval` and the server's forecasts run the fused kernels when they are built.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kernelStatus } from '@seqcast/core';
import { afterAll, expect, it } from 'vitest';
import { SeriesForecaster } from './series-forecaster.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/index.js');
let dir = '';
afterAll(() => rm(dir, { recursive: true, force: true }));

it('SeriesForecaster.load initialises the kernels (the path a loaded model forecasts on is chosen)', async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seqcast-load-kernels-'));
  // Train and save in another process, so this one has initialised nothing before load.
  const script = `const f = await import(${JSON.stringify(DIST)});
    const m = await f.SeriesForecaster.fit(f.syntheticAR2(200, 1), { target: 'value', epochs: 1, seed: 1 });
    await m.save(${JSON.stringify(path.join(dir, 'm'))}); m.dispose();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, SEQCAST_QUIET: '1' } });
  expect(r.status, r.stderr).toBe(0);
  expect(kernelStatus().initialised).toBe(false);
  const m = await SeriesForecaster.load(path.join(dir, 'm'));
  try {
    expect(kernelStatus().initialised).toBe(true);
    // Fused exactly when the native module reports itself available and tfjs was not asked for.
    // Resolved the way core resolves it (forecast itself does not depend on @seqcast/kernels).
    const fromCore = createRequire(createRequire(import.meta.url).resolve('@seqcast/core'));
    const native = await Promise.resolve()
      .then(() => import(pathToFileURL(fromCore.resolve('@seqcast/kernels')).href))
      .then(
        (k: { kernelsInfo: () => { available: boolean } }) => k.kernelsInfo().available,
        () => false,
      );
    expect(kernelStatus().path).toBe(process.env.SEQCAST_KERNELS?.trim().toLowerCase() !== 'tfjs' && native ? 'fused' : 'tfjs');
  } finally {
    m.dispose();
  }
});
