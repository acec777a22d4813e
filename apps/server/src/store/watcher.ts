/**
 * Keeps a replica's served models in step with a shared store: every `intervalMs` the store's
 * fingerprints are compared with the last ones, and each name that changed (a new version, a
 * replaced one, a deleted model) is reloaded by the registry, which swaps or drops it without a
 * restart. Polling rather than fs.watch: inotify does not see changes made by other machines
 * on a network filesystem, and a poll of one directory every two seconds costs little.
 */
import type { ModelRegistry } from '../models/registry.js';
import type { Logger } from '../logger.js';
import type { ModelStore } from './model-store.js';

export interface StoreWatcher {
  /** Run one comparison now (also what the timer calls). */
  check(): Promise<void>;
  stop(): void;
}

/**
 * @example
 * const watcher = watchStore(store, registry, { intervalMs: 2000, logger });
 * // …a worker publishes stock/3 on another machine; within ~2 s this replica serves it
 * watcher.stop();
 */
export function watchStore(store: ModelStore, registry: ModelRegistry, opts: { intervalMs: number; logger: Logger }): StoreWatcher {
  let last: Map<string, string> | undefined;
  let running: Promise<void> | undefined;
  const compare = async () => {
    const now = await store.fingerprints();
    const before = last ?? new Map(registry.list().map((m) => [m.name, '']));
    const changed = new Set<string>();
    for (const [name, print] of now) if (before.get(name) !== print) changed.add(name);
    for (const name of before.keys()) if (!now.has(name)) changed.add(name);
    // A model the registry loaded on demand between two polls is gone now: drop it too.
    for (const m of registry.list()) if (!now.has(m.name)) changed.add(m.name);
    for (const name of changed) {
      const served = await registry.refresh(name);
      opts.logger.log('info', 'store change picked up', { model: name, version: served?.version ?? null });
    }
    last = now;
  };
  const check = (): Promise<void> => {
    running ??= compare()
      .catch((e: unknown) => opts.logger.log('warn', 'store check failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void check(), opts.intervalMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
