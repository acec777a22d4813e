// SequenceRegressor.load picks the kernel path itself, as CharLM.load does: a regressor loaded in a
// process where nothing else chose it predicts on the fused kernels when they are built.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { kernelStatus } from '../nn/kernels.js';
import { SequenceRegressor } from './regressor.js';

let dir = '';
afterAll(() => rm(dir, { recursive: true, force: true }));

it('SequenceRegressor.load initialises the kernels (the path its predictions run on is chosen)', async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seqcast-regressor-kernels-'));
  const reg = SequenceRegressor.create({ window: 4, features: 1, units: 4 }, 1);
  await reg.save(dir);
  reg.dispose();
  // Creating and saving chose nothing.
  expect(kernelStatus().initialised).toBe(false);
  const { regressor } = await SequenceRegressor.load(dir);
  try {
    expect(kernelStatus().initialised).toBe(true);
    // Fused exactly when the native module reports itself available and tfjs was not asked for.
    const native = await import('@seqcast/kernels' as string).then(
      (m: { kernelsInfo: () => { available: boolean } }) => m.kernelsInfo().available,
      () => false,
    );
    const wantFused = process.env.SEQCAST_KERNELS?.trim().toLowerCase() !== 'tfjs' && native;
    expect(kernelStatus().path).toBe(wantFused ? 'fused' : 'tfjs');
  } finally {
    regressor.dispose();
  }
});
