/**
 * The set of served models, read from one models directory.
 *
 * Layout (a model is any directory written by core's `saveModelDir`):
 *   models/<name>/seqcast.json       -> version 1 of <name>
 *   models/<name>/<N>/seqcast.json   -> version N of <name> (N = 1, 2, …; training jobs write these)
 * The highest version is served. Versions appear atomically (saveModelDir renames a complete
 * temp directory into place), and the registry swaps the served adapter in one assignment, so a
 * request sees either the old model or the new one, never a half-loaded one.
 *
 * Only names matching MODEL_NAME_PATTERN are ever turned into paths, and symbolic links inside
 * the directory are never followed (a linked model or version is not listed, loaded, published
 * into or deleted through), so nothing outside the models directory is read or written.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isSeqcastError, readModelMetadata, recoverModelDir, SeqcastError, METADATA_JSON } from '@seqcast/core';
import type { ModelAdapter, ModelLoader } from './adapter.js';
import { isValidModelName, modelNotFound } from './names.js';
import type { Logger } from '../logger.js';
import type { ModelDescription } from '../wire.js';

/**
 * Keeps a model's tensors alive while requests use it. A replaced or deleted version is retired,
 * and disposed only when its last in-flight request has finished (reference counting), so no
 * request ever meets a disposed model.
 */
export class ModelLifetime {
  private users = 0;
  private retired = false;
  private disposed = false;
  constructor(private readonly dispose: () => void) {}
  /** Requests using the model now. */
  get inFlight(): number {
    return this.users;
  }
  enter(): void {
    this.users++;
  }
  leave(): void {
    this.users--;
    this.check();
  }
  /** No new requests will get this model; dispose it once the current ones are done. */
  retire(): void {
    this.retired = true;
    this.check();
  }
  private check(): void {
    if (this.retired && this.users === 0 && !this.disposed) {
      this.disposed = true;
      this.dispose();
    }
  }
}

/** A model as served: the adapter plus where it came from. */
export interface ServedModel {
  name: string;
  version: number;
  /** Every version found on disk, ascending. */
  versions: number[];
  /** ISO time the served version was saved. */
  created: string;
  adapter: ModelAdapter;
  /** In-flight requests holding the adapter (see {@link ModelRegistry.use}). */
  lifetime: ModelLifetime;
}

/** Create the models directory if needed; a path that is not a directory is a one-line error. */
export async function ensureModelsDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    if (!(await fs.stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'is not a directory' : `cannot be used (${code ?? errText(e)})`;
    throw new SeqcastError('BAD_ARGUMENT', `models directory ${dir} ${why}`, { where: 'modelsDir' });
  }
}

/** Public description of a model (the `/v1/models` item). */
export type { ModelDescription };

/**
 * The JSON shown for a served model.
 *
 * @example
 * describeModel(await registry.get('stock')).input;   // { kind: 'forecast', features: ['Close'], … }
 */
export function describeModel(m: ServedModel): ModelDescription {
  return {
    name: m.name,
    kind: m.adapter.kind,
    version: m.version,
    versions: m.versions,
    created: m.created,
    metrics: m.adapter.metrics,
    input: m.adapter.input,
    quality: m.adapter.quality ?? null,
  };
}

const VERSION_RE = /^[1-9][0-9]{0,8}$/;
/** A miss is re-checked on disk at most this often per name, so 404 floods stay cheap. */
const MISS_RECHECK_MS = 1000;

/** A regular file (never a symlink, whatever it points at). */
async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.lstat(p)).isFile();
  } catch {
    return false;
  }
}

/** A real directory (never a symlink to one). */
async function isRealDir(p: string): Promise<boolean> {
  try {
    return (await fs.lstat(p)).isDirectory();
  } catch {
    return false;
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

export interface ModelRegistryOptions {
  modelsDir: string;
  loaders: Record<string, ModelLoader>;
  logger: Logger;
}

/**
 * Loads, serves, hot-swaps and deletes the models of one directory.
 *
 * @example
 * const registry = new ModelRegistry({ modelsDir: 'models', loaders: defaultLoaders(), logger: silentLogger });
 * await registry.scan();
 * (await registry.get('hihello')).adapter.kind;   // 'chars'
 */
export class ModelRegistry {
  private readonly models = new Map<string, ServedModel>();
  private readonly loading = new Map<string, Promise<ServedModel | undefined>>();
  private readonly misses = new Map<string, number>();

  constructor(private readonly opts: ModelRegistryOptions) {}

  get modelsDir(): string {
    return this.opts.modelsDir;
  }

  /** Versions of `name` on disk, ascending (empty when none). */
  async versionsOnDisk(name: string): Promise<number[]> {
    if (!isValidModelName(name)) return [];
    const dir = path.join(this.opts.modelsDir, name);
    const versions: number[] = [];
    if (!(await isRealDir(dir))) return versions;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    if (await isFile(path.join(dir, METADATA_JSON))) versions.push(1);
    for (const e of entries) {
      if (!e.isDirectory() || !VERSION_RE.test(e.name)) continue; // a Dirent of a symlink is not a directory
      const v = Number(e.name);
      if (v === 1 && versions.includes(1)) continue; // flat layout already counts as 1
      if (await isFile(path.join(dir, e.name, METADATA_JSON))) versions.push(v);
    }
    return versions.sort((a, b) => a - b);
  }

  /** Directory of `name` at `version` (flat layout for version 1 when that is how it is stored). */
  async versionDir(name: string, version: number): Promise<string> {
    const base = path.join(this.opts.modelsDir, name);
    if (version === 1 && (await isFile(path.join(base, METADATA_JSON)))) return base;
    return path.join(base, String(version));
  }

  /** Where the next version of `name` should be saved, and its number. */
  async nextVersion(name: string): Promise<{ version: number; dir: string }> {
    if (!isValidModelName(name)) throw new SeqcastError('BAD_ARGUMENT', `invalid model name ${JSON.stringify(name)}`, { where: 'name' });
    const base = path.join(this.opts.modelsDir, name);
    const st = await fs.lstat(base).catch(() => undefined);
    if (st && !st.isDirectory()) {
      throw new SeqcastError('CONFLICT', `model name ${JSON.stringify(name)} is taken by an entry that is not a model directory`, { where: 'name' });
    }
    const versions = await this.versionsOnDisk(name);
    const version = (versions.at(-1) ?? 0) + 1;
    return { version, dir: path.join(base, String(version)) };
  }

  /**
   * Load every model in the directory (models that fail to load are logged and skipped), after
   * repairing what a crash can leave behind: a model replaced with `--force` by a process killed
   * between its renames is put back (`.<name>.tmp-*`, see core's recoverModelDir), half-written
   * versions (`<name>/.<N>.tmp-*`, from a training process killed while saving) and half-deleted
   * models (`.deleted-*`) are removed.
   */
  async scan(): Promise<void> {
    await ensureModelsDir(this.opts.modelsDir);
    for (const e of await fs.readdir(this.opts.modelsDir, { withFileTypes: true })) {
      const name = /^\.(.+)\.tmp-/.exec(e.name)?.[1];
      if (e.isDirectory() && name !== undefined && isValidModelName(name)) await this.recover(name, path.join(this.opts.modelsDir, name));
    }
    const entries = await fs.readdir(this.opts.modelsDir, { withFileTypes: true });
    // Leftovers are cleaned up when possible and skipped otherwise: they never stop a start.
    for (const e of entries) {
      if (e.isDirectory() && e.name.startsWith('.deleted-')) {
        await fs.rm(path.join(this.opts.modelsDir, e.name), { recursive: true, force: true }).catch((err: unknown) => {
          this.opts.logger.log('warn', 'could not remove a deleted model; skipped', { dir: e.name, error: errText(err) });
        });
      }
    }
    for (const e of entries) {
      if (!e.isDirectory() || !isValidModelName(e.name)) continue; // symlinked models are never served
      const dir = path.join(this.opts.modelsDir, e.name);
      for (const sub of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const version = /^\.([1-9][0-9]*)\.tmp-/.exec(sub.name)?.[1];
        if (sub.isDirectory() && version !== undefined) await this.recover(e.name, path.join(dir, version));
      }
      const subs = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const sub of subs) {
        if (sub.isDirectory() && /^\.[1-9][0-9]*\.tmp-/.test(sub.name)) {
          this.opts.logger.log('warn', 'removed an unfinished model version', { model: e.name, dir: sub.name });
          await fs.rm(path.join(dir, sub.name), { recursive: true, force: true }).catch(() => undefined);
        }
      }
      await this.refresh(e.name);
    }
  }

  private async recover(name: string, dir: string): Promise<void> {
    for (const what of await recoverModelDir(dir)) this.opts.logger.log('warn', 'repaired an interrupted model save', { model: name, did: what });
  }

  /** Served models, by name. */
  list(): ServedModel[] {
    return [...this.models.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get size(): number {
    return this.models.size;
  }

  /**
   * The served model called `name`. A name not yet loaded is looked up on disk (so models
   * copied into the directory become servable without a restart); invalid names are 404.
   */
  async get(name: string): Promise<ServedModel> {
    const m = this.models.get(name);
    if (m) return m;
    if (!isValidModelName(name)) throw modelNotFound(name);
    const last = this.misses.get(name);
    if (last === undefined || Date.now() - last > MISS_RECHECK_MS) {
      const loaded = await this.refresh(name);
      if (loaded) return loaded;
      this.misses.set(name, Date.now());
      if (this.misses.size > 10_000) this.misses.clear(); // bound memory under name probes
    }
    throw modelNotFound(name);
  }

  /**
   * Run `fn` on the served model `name`, keeping that version alive until `fn` settles even if a
   * new version is published or the model is deleted meanwhile.
   *
   * @example
   * const text = await registry.use('hihello', (m) => m.adapter.kind === 'chars' && m.adapter.generate('hi', 5, {}));
   */
  async use<T>(name: string, fn: (m: ServedModel) => T | Promise<T>): Promise<T> {
    const m = await this.get(name);
    m.lifetime.enter();
    try {
      return await fn(m);
    } finally {
      m.lifetime.leave();
    }
  }

  /**
   * (Re)load the newest version of `name` from disk and serve it; returns undefined when there
   * is none. The previous adapter is disposed after the swap.
   */
  refresh(name: string): Promise<ServedModel | undefined> {
    const pending = this.loading.get(name);
    if (pending) return pending.then(() => this.refresh(name));
    const p = this.load(name).finally(() => this.loading.delete(name));
    this.loading.set(name, p);
    return p;
  }

  private async load(name: string): Promise<ServedModel | undefined> {
    const versions = await this.versionsOnDisk(name);
    const current = this.models.get(name);
    // Newest first: a broken newest version falls back to the previous one.
    for (const version of [...versions].reverse()) {
      if (current && current.version === version) {
        current.versions = versions;
        return current;
      }
      const dir = await this.versionDir(name, version);
      try {
        const meta = await readModelMetadata(dir);
        const loader = this.opts.loaders[meta.kind];
        if (!loader) throw new SeqcastError('BAD_MODEL', `${dir}: no loader for model kind "${meta.kind}"`, { where: dir });
        const adapter = await loader(dir);
        try {
          adapter.warmUp?.();
        } catch (e) {
          adapter.dispose();
          throw e;
        }
        const served: ServedModel = { name, version, versions, created: meta.created, adapter, lifetime: new ModelLifetime(() => adapter.dispose()) };
        this.models.set(name, served);
        this.misses.delete(name);
        current?.lifetime.retire(); // disposed when its in-flight requests are done
        this.opts.logger.log('info', 'model loaded', { model: name, version, kind: adapter.kind });
        return served;
      } catch (e) {
        const detail = isSeqcastError(e) ? e.message : e instanceof Error ? e.message.split('\n')[0] : String(e);
        this.opts.logger.log('warn', 'model skipped', { model: name, version, error: detail });
      }
    }
    if (current && versions.length === 0) {
      this.models.delete(name);
      current.lifetime.retire();
    }
    return this.models.get(name);
  }

  /**
   * Stop serving `name` and delete its directory (renamed aside first, so a concurrent reader
   * never sees half a model).
   */
  async remove(name: string): Promise<void> {
    if (!isValidModelName(name)) throw modelNotFound(name);
    const versions = await this.versionsOnDisk(name);
    const served = this.models.get(name);
    if (!served && versions.length === 0) throw modelNotFound(name);
    const dir = path.join(this.opts.modelsDir, name);
    const aside = path.join(this.opts.modelsDir, `.deleted-${name}-${randomBytes(4).toString('hex')}`);
    await fs.rename(dir, aside).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return;
      throw new SeqcastError('CONFLICT', `model ${JSON.stringify(name)} could not be deleted (${e.code ?? 'error'}); it is still served`, { where: 'name' });
    });
    this.models.delete(name);
    served?.lifetime.retire();
    // The model is gone from the API now; what cannot be removed is retried at the next start.
    await fs.rm(aside, { recursive: true, force: true }).catch((e: unknown) => {
      this.opts.logger.log('warn', 'deleted model left on disk', { dir: path.basename(aside), error: errText(e) });
    });
  }

  /** Dispose every served model. */
  close(): void {
    for (const m of this.models.values()) m.lifetime.retire();
    this.models.clear();
  }
}
