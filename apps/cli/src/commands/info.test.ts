import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

describe('seqcast info', () => {
  it('reports versions and the active backend as JSON', () => {
    const r = runCli(['info', '--json'], { SEQCAST_BACKEND: undefined });
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { backend: string; tfjs: string; node: string };
    expect(['node', 'wasm', 'cpu']).toContain(info.backend);
    expect(info.tfjs).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.node).toBe(process.versions.node);
  });

  it('reports the recurrent kernels and why they are (not) fused', () => {
    const fused = JSON.parse(runCli(['info', '--json'], { SEQCAST_KERNELS: 'auto' }).stdout) as { kernels: { path: string; reason: string } };
    expect(['fused', 'tfjs']).toContain(fused.kernels.path);
    expect(fused.kernels.reason.length).toBeGreaterThan(0);
    const missing = runCli(['info'], { SEQCAST_KERNELS: 'auto', SEQCAST_KERNELS_ADDON: '/nonexistent/seqcast_kernels.node' });
    expect(missing.code).toBe(0);
    expect(missing.stdout).toMatch(/^kernels tfjs \(addon not found at \/nonexistent\/seqcast_kernels\.node\)$/m);
  });

  it('honours SEQCAST_BACKEND=cpu', () => {
    const r = runCli(['info', '--json'], { SEQCAST_BACKEND: 'cpu' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).backend).toBe('cpu');
  });

  it('falls back past an unavailable native backend, or uses it where installed', () => {
    const auto = JSON.parse(runCli(['info', '--json'], { SEQCAST_BACKEND: 'auto' }).stdout) as {
      backend: string;
      skipped: { name: string; reason: string }[];
    };
    if (auto.backend === 'node') {
      expect(auto.skipped).toEqual([]);
    } else {
      expect(auto.skipped.map((s) => s.name)).toContain('node');
      expect(auto.skipped.every((s) => s.reason.length > 0)).toBe(true);
    }
  });

  // Where tfjs-node is installed there is no unavailable backend to ask for: reported as skipped.
  const nodeBackend = (JSON.parse(runCli(['info', '--json']).stdout) as { backend: string }).backend === 'node';
  it.skipIf(nodeBackend)('asking for an unavailable backend is a one-line error', () => {
    const r = runCli(['info'], { SEQCAST_BACKEND: 'node' });
    expect(r.code).toBe(6);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/backend "node" is not available/);
  });

  it('rejects an unknown SEQCAST_BACKEND value naming the variable', () => {
    const r = runCli(['info'], { SEQCAST_BACKEND: 'gpu' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('seqcast: error: SEQCAST_BACKEND must be one of node, wasm, cpu, auto (received "gpu")');
  });

  it('unknown commands and flags exit non-zero with one line and no stack', () => {
    for (const args of [['frobnicate'], ['info', '--bogus']]) {
      const r = runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    }
  });
});
