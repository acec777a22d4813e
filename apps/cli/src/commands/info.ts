/** `seqcast info`: versions, the active backend and the recurrent kernels (fused or tfjs, and why). */
import { createRequire } from 'node:module';
import { initBackend, initKernels, setKernelLogger } from '@seqcast/core';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';

const require = createRequire(import.meta.url);

export const info: Command = {
  name: 'info',
  summary: 'versions, the active backend and the kernel status',
  usage: 'seqcast info [--json]',
  async run(argv, io) {
    const flags = parseFlags(argv, { json: { type: 'boolean' } }, 'info');
    const backend = await initBackend({ log: false });
    setKernelLogger(null); // said below, on stdout, like the backend
    const kernels = await initKernels();
    const corePkg = require('@seqcast/core/package.json') as { version: string };
    const data = {
      seqcast: corePkg.version,
      node: process.versions.node,
      tfjs: backend.tfjsVersion,
      backend: backend.name,
      skipped: backend.skipped,
      platform: `${process.platform}-${process.arch}`,
      kernels: { path: kernels.path, reason: kernels.reason, ...(kernels.isa ? { isa: kernels.isa } : {}) },
    };
    if (flags.json) return io.out(JSON.stringify(data));
    io.out(`seqcast ${data.seqcast}`);
    io.out(`node    ${data.node} (${data.platform})`);
    io.out(`tfjs    ${data.tfjs}`);
    io.out(`backend ${data.backend}`);
    for (const s of data.skipped) io.out(`  skipped ${s.name}: ${s.reason}`);
    io.out(`kernels ${kernels.path}${kernels.isa ? ` ${kernels.isa}` : ''} (${kernels.reason})`);
  },
};
