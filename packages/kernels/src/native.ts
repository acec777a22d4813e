/**
 * Loads the compiled addon (build/Release/seqcast_kernels.node, built from source at install by
 * scripts/build-native.mjs) and explains why when it cannot: the build was skipped or failed (the
 * reason is in build/status.json), or the binary does not load on this platform.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelError } from './errors.js';

type F32 = Float32Array;
type I32 = Int32Array;
type Opt<T> = T | null;

/** Native memory owned by a JS handle (see alloc/release in native/addon.cc). */
export type Workspace = { readonly __workspace: unique symbol };

/** The functions the addon exports (see native/addon.cc for the argument order). */
export interface NativeAddon {
  isa: string;
  /** Worker threads the matrix products use (SEQCAST_THREADS, default: the hardware threads). */
  threads: number;
  /** Use at most `n` of the worker threads (1..threads); returns the count in use (n <= 0 only asks). */
  setThreads(n: number): number;
  /** This core's multiply-add throughput on the compiled path, GFLOP/s of thread CPU time, measured for about `ms`. */
  fmaPeak(ms: number): number;
  /** Uninitialised native buffer of `n` floats; freed by release() or when the handle is collected. */
  alloc(n: number): Workspace;
  release(ws: Workspace): void;
  alive(ws: Workspace): boolean;
  lstmForward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: Opt<F32>,
    ids: Opt<I32>,
    W: F32,
    U: F32,
    bias: F32,
    mask: Opt<F32>,
    h0: Opt<F32>,
    c0: Opt<F32>,
    out: F32,
    ws: Workspace,
    hT: F32,
    cT: F32,
  ): void;
  lstmBackward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: Opt<F32>,
    ids: Opt<I32>,
    W: F32,
    U: F32,
    mask: Opt<F32>,
    ws: Workspace,
    dout: Opt<F32>,
    dhT: Opt<F32>,
    dcT: Opt<F32>,
    dx: Opt<F32>,
    dW: F32,
    dU: F32,
    db: F32,
    dh0: Opt<F32>,
    dc0: Opt<F32>,
  ): void;
  gruForward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: Opt<F32>,
    ids: Opt<I32>,
    W: F32,
    U: F32,
    bias: F32,
    mask: Opt<F32>,
    h0: Opt<F32>,
    out: F32,
    ws: Workspace,
    hT: F32,
  ): void;
  gruBackward(
    B: number,
    T: number,
    I: number,
    H: number,
    x: Opt<F32>,
    ids: Opt<I32>,
    W: F32,
    U: F32,
    mask: Opt<F32>,
    ws: Workspace,
    dout: Opt<F32>,
    dhT: Opt<F32>,
    dx: Opt<F32>,
    dW: F32,
    dU: F32,
    db: F32,
    dh0: Opt<F32>,
  ): void;
  denseSoftmaxCeForward(N: number, H: number, V: number, h: F32, W: F32, bias: F32, labels: I32, weights: Opt<F32>, ws: Workspace): number;
  denseSoftmaxCeBackward(
    N: number,
    H: number,
    V: number,
    h: F32,
    W: F32,
    ws: Workspace,
    labels: I32,
    weights: Opt<F32>,
    scale: number,
    dh: F32,
    dW: F32,
    db: F32,
  ): void;
  denseSqErrorForward(N: number, H: number, O: number, h: F32, W: F32, bias: F32, y: F32, offset: Opt<F32>, mean: number, ws: Workspace): number;
  denseSqErrorBackward(
    N: number,
    H: number,
    O: number,
    h: F32,
    W: F32,
    ws: Workspace,
    mean: number,
    scale: number,
    dh: F32,
    dW: F32,
    db: F32,
    dOffset: Opt<F32>,
    dy: Opt<F32>,
  ): void;
  adamUpdate(param: F32, grad: F32, m: F32, v: F32, lr: number, beta1: number, beta2: number, eps: number, corr1: number, corr2: number): void;
}

/** Whether the fused kernels can run here, and why not when they cannot. */
export interface KernelsInfo {
  available: boolean;
  /** Why the kernels are unavailable (or how they were built). */
  reason?: string;
  /** Instruction set the addon was compiled for (avx512, avx2-fma, avx, sse, generic). */
  isa?: string;
  /** Threads the kernels' matrix products run on (`SEQCAST_THREADS` pins it). */
  threads?: number;
  /** Path of the addon binary that was tried. */
  addonPath?: string;
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Default location of the addon; `SEQCAST_KERNELS_ADDON` overrides it (used to test the fallback). */
export function defaultAddonPath(): string {
  return process.env.SEQCAST_KERNELS_ADDON ?? path.join(packageRoot, 'build', 'Release', 'seqcast_kernels.node');
}

interface BuildStatus {
  ok?: boolean;
  reason?: string;
  retry?: string;
  /** SEQCAST_KERNELS_ISA of the build, when it was not native. */
  isaOverride?: string;
}

function readBuildStatus(): BuildStatus | undefined {
  try {
    return JSON.parse(readFileSync(path.join(packageRoot, 'build', 'status.json'), 'utf8')) as BuildStatus;
  } catch {
    return undefined;
  }
}

/** Why the install-time build produced no binary, with the command that retries it. */
function buildStatus(): string | undefined {
  const s = readBuildStatus();
  if (!s || s.ok) return undefined;
  return s.retry ? `${s.reason}; retry: ${s.retry}` : s.reason;
}

/**
 * Try to load the addon at `file`. Never throws: failures come back as `info.available = false`.
 *
 * @example
 * const { addon, info } = loadAddon();
 * if (!info.available) console.log(info.reason);
 */
export function loadAddon(file: string = defaultAddonPath()): { addon?: NativeAddon; info: KernelsInfo } {
  if (!existsSync(file)) {
    const isDefault = file === path.join(packageRoot, 'build', 'Release', 'seqcast_kernels.node');
    const why = isDefault ? buildStatus() : undefined;
    // No status either: the install hook never ran (e.g. --ignore-scripts, or pnpm not allowed to build it).
    const hint = isDefault ? ` (the install-time build did not run; build it: node ${path.join(packageRoot, 'scripts', 'build-native.mjs')})` : '';
    return { info: { available: false, reason: why ? `native build: ${why}` : `addon not found at ${file}${hint}`, addonPath: file } };
  }
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    if (typeof addon.lstmForward !== 'function' || typeof addon.isa !== 'string') {
      return { info: { available: false, reason: `${file} is not the seqcast kernels addon`, addonPath: file } };
    }
    const override = file === path.join(packageRoot, 'build', 'Release', 'seqcast_kernels.node') ? readBuildStatus()?.isaOverride : undefined;
    const reason = override ? `native addon loaded, built with SEQCAST_KERNELS_ISA=${override}` : 'native addon loaded';
    return { addon, info: { available: true, reason, isa: addon.isa, threads: addon.threads, addonPath: file } };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
    return { info: { available: false, reason: `addon failed to load (${msg})`, addonPath: file } };
  }
}

let loaded: { addon?: NativeAddon; info: KernelsInfo } | undefined;

/** The process-wide addon (loaded on first use). */
export function nativeAddon(): { addon?: NativeAddon; info: KernelsInfo } {
  loaded ??= loadAddon();
  return loaded;
}

/** The addon, or a BACKEND_UNAVAILABLE KernelError naming the operation when it is unavailable. */
export function requireAddon(op: string): NativeAddon {
  const { addon, info } = nativeAddon();
  if (!addon) throw new KernelError('BACKEND_UNAVAILABLE', `${op}: the fused kernels are unavailable here (${info.reason}); use the tfjs path`);
  return addon;
}
