// Options renamed in this release keep working, through the package's public entry, until the
// next one: `workerScript` (the script of each job's training process, now `trainingScript`).
import { describe, expect, expectTypeOf, it } from 'vitest';
import { resolveOptions, type QueueWorkerOptions } from './index.js';

describe('deprecated option names', () => {
  it('workerScript still chooses the training-process script; trainingScript wins when both are given', () => {
    expect(resolveOptions({ workerScript: '/opt/app/train.js' }).trainingScript).toBe('/opt/app/train.js');
    expect(resolveOptions({ trainingScript: '/opt/app/new.js', workerScript: '/opt/app/old.js' }).trainingScript).toBe('/opt/app/new.js');
    expect(resolveOptions({}).trainingScript).toBeUndefined();
    // Code that read the resolved option under its old name reads the same path.
    expect(resolveOptions({ trainingScript: '/opt/app/new.js' }).workerScript).toBe('/opt/app/new.js');
  });

  it('a queue worker still accepts workerScript (checked by the typecheck of the tests)', () => {
    expectTypeOf<QueueWorkerOptions>().toHaveProperty('workerScript').toEqualTypeOf<string | undefined>();
    expectTypeOf<QueueWorkerOptions>().toHaveProperty('trainingScript').toEqualTypeOf<string | undefined>();
  });
});
