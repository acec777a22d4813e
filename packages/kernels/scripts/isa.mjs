// The instruction-set paths the native kernels can be built for, their compiler flags, and which
// of them this CPU can run. `native` (the default) is whatever -march=native gives; the others
// start from it and switch the wider vector extensions off, so an AVX-512 machine can build and
// measure the AVX2 path (256-bit, 16 registers) and the 128-bit SSE path that other CPUs get.
import { readFileSync } from 'node:fs';

export const ISAS = ['native', 'avx512', 'avx2', 'sse'];

const FLAGS = {
  native: ['-march=native'],
  avx512: ['-march=native'],
  // -mno-avx512f also turns off every AVX-512 subset (they all require AVX512F); -mno-avx turns off
  // AVX2, FMA and AVX-512 with it.
  avx2: ['-march=native', '-mno-avx512f'],
  sse: ['-march=native', '-mno-avx'],
};
// The cpuinfo flags each path needs.
const NEEDS = { native: [], avx512: ['avx512f'], avx2: ['avx2', 'fma'], sse: ['sse2'] };

/** Compiler flags selecting the instruction set of `isa` (one of ISAS). */
export function isaFlags(isa) {
  return FLAGS[isa] ?? FLAGS.native;
}

/** The CPU's feature flags (Linux), or null where they cannot be read. */
function cpuFlags() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => /^flags\s*:/.test(l));
    return line ? new Set(line.split(':')[1].trim().split(/\s+/)) : null;
  } catch {
    return null;
  }
}

/** Why `isa` cannot be built and run here (one line), or null when it can. */
export function checkIsa(isa) {
  if (!ISAS.includes(isa)) return `SEQCAST_KERNELS_ISA=${isa} is not one of ${ISAS.join(', ')}`;
  if (isa === 'native') return null;
  if (process.arch !== 'x64') return `SEQCAST_KERNELS_ISA=${isa}: the ISA override is for x86-64 only (this is ${process.arch}); use native`;
  const flags = cpuFlags();
  if (!flags) return `SEQCAST_KERNELS_ISA=${isa}: cannot read this CPU's features (/proc/cpuinfo); use native`;
  const missing = NEEDS[isa].filter((f) => !flags.has(f));
  return missing.length ? `SEQCAST_KERNELS_ISA=${isa}: this CPU lacks ${missing.join(', ')}` : null;
}

/** The non-native paths this machine can build and run (widest first). */
export function runnableIsas() {
  return ISAS.filter((isa) => isa !== 'native' && checkIsa(isa) === null);
}
