/**
 * TensorFlow.js runtime: picks and reports the backend.
 *
 * Preference order is native CPU (`@tensorflow/tfjs-node`, an optional dependency whose
 * libtensorflow download fails on many machines), then WebAssembly, then the pure-JS `cpu`
 * backend. `SEQCAST_BACKEND=node|wasm|cpu|auto` overrides; asking for one that cannot load
 * is a `BACKEND_UNAVAILABLE` error rather than a silent fallback.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';

export type BackendName = 'node' | 'wasm' | 'cpu';
export type BackendRequest = BackendName | 'auto';

export interface BackendInfo {
  /** seqcast's name for the active backend. */
  name: BackendName;
  /** tfjs's own name for it (`tensorflow`, `wasm`, `cpu`). */
  tfjsName: string;
  /** What was asked for. */
  requested: BackendRequest;
  /** Backends tried before this one, with the reason each was skipped. */
  skipped: { name: BackendName; reason: string }[];
  /** Version of @tensorflow/tfjs-core in use. */
  tfjsVersion: string;
}

const TFJS_NAMES: Record<BackendName, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };
const ORDER: BackendName[] = ['node', 'wasm', 'cpu'];

let active: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

/** Parse a backend request (from `SEQCAST_BACKEND` or an option). */
export function parseBackendRequest(value: string | undefined, where = 'SEQCAST_BACKEND'): BackendRequest {
  const v = (value ?? 'auto').trim().toLowerCase() || 'auto';
  if (v === 'auto' || v === 'node' || v === 'wasm' || v === 'cpu') return v;
  throw new SeqcastError('BAD_ARGUMENT', `${where} must be one of node, wasm, cpu, auto (received "${value}")`, {
    where,
  });
}

async function tryLoad(name: BackendName): Promise<void> {
  if (name === 'node') {
    // The package can be present with its native binding missing (failed download); importing
    // it then throws, which is exactly the "not available" signal.
    await import('@tensorflow/tfjs-node' as string);
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  const ok = await tf.setBackend(TFJS_NAMES[name]);
  if (!ok) throw new Error(`tf.setBackend('${TFJS_NAMES[name]}') returned false`);
  await tf.ready();
  if (name === 'cpu') {
    // The cpu backend prints a multi-line "install tfjs-node" banner to stderr on its first tensor,
    // which would break one-line CLI errors; seqcast reports the backend itself. Make that first
    // write with tfjs logging muted, then restore it.
    const prod = tf.env().getBool('PROD');
    tf.env().set('PROD', true);
    tf.tensor1d([0]).dispose();
    tf.env().set('PROD', prod);
  }
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim();
}

/**
 * Select the backend once per process and return what is active. Later calls return the same
 * answer (a different explicit request after initialisation is an error).
 *
 * @example
 * const info = await initBackend();          // honours SEQCAST_BACKEND
 * console.log(`backend: ${info.name}`);
 */
export interface InitBackendOptions {
  /** Which backend to use; default `SEQCAST_BACKEND`, else `auto`. */
  backend?: BackendRequest;
  /**
   * Where the one start-up line naming the backend goes (default: stderr, so stdout stays clean
   * for `--json` output). `false` silences it; `SEQCAST_QUIET=1` does too.
   */
  log?: ((line: string) => void) | false;
}

let defaultLog: ((line: string) => void) | null = (line) => process.stderr.write(line + '\n');

/**
 * Where the one-time "tfjs ... backend ..." line goes when `initBackend` is given no `log`
 * (default stderr unless SEQCAST_QUIET=1); `null` silences it.
 *
 * @example
 * setBackendLogger((line) => logger.info(line));
 */
export function setBackendLogger(fn: ((line: string) => void) | null): void {
  defaultLog = fn;
}

export async function initBackend(requestOrOptions?: BackendRequest | InitBackendOptions): Promise<BackendInfo> {
  const opts: InitBackendOptions = typeof requestOrOptions === 'string' ? { backend: requestOrOptions } : (requestOrOptions ?? {});
  const want = opts.backend ?? parseBackendRequest(process.env.SEQCAST_BACKEND);
  const log = opts.log === false || process.env.SEQCAST_QUIET === '1' ? undefined : (opts.log ?? defaultLog ?? undefined);
  if (active) {
    if (want !== 'auto' && want !== active.name) {
      throw new SeqcastError('BAD_ARGUMENT', `backend already initialised as "${active.name}"; cannot switch to "${want}" in the same process`);
    }
    return active;
  }
  if (!pending) {
    pending = (async () => {
      const candidates = want === 'auto' ? ORDER : [want];
      const skipped: BackendInfo['skipped'] = [];
      for (const name of candidates) {
        try {
          await tryLoad(name);
          active = { name, tfjsName: tf.getBackend(), requested: want, skipped, tfjsVersion: tf.version_core };
          log?.(describeBackend(active));
          return active;
        } catch (e) {
          skipped.push({ name, reason: firstLine(e) });
        }
      }
      const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
      throw new SeqcastError('BACKEND_UNAVAILABLE', `backend "${want}" is not available here (${why})`);
    })();
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}

/** The active backend, or undefined before `initBackend` resolved. */
export function backendInfo(): BackendInfo | undefined {
  return active;
}

/** One human line describing the backend, for start-up logs. */
export function describeBackend(info: BackendInfo): string {
  const skipped = info.skipped.length ? ` (skipped ${info.skipped.map((s) => s.name).join(', ')})` : '';
  return `seqcast: tfjs ${info.tfjsVersion} backend ${info.name}${skipped}`;
}

export { tf };
