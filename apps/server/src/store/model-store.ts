/**
 * Where published models live, seen from the processes that train and serve them.
 *
 * Today's one implementation is a directory ({@link DirectoryModelStore}): in queue mode every
 * replica and worker mounts the same one (a network filesystem in production). The interface is
 * kept to what a worker and a replica need, so an object store can implement it later: workers
 * train into a local staging directory and `publish` uploads it; replicas keep serving from a
 * local directory that a sync loop fills from the store (see docs/scale.md).
 */

/** A published version, as a worker reports it. */
export interface Published {
  version: number;
  /** True when this job had already published (a retried job): nothing new was written. */
  already: boolean;
}

export interface ModelStore {
  /**
   * A fresh, empty local directory for one attempt of `jobId` (train into `<it>/model`);
   * earlier attempts' leftovers are removed.
   */
  stage(jobId: string): Promise<string>;
  /**
   * Publish the model saved at `stagedDir` as the next version of `name`, at most once per job
   * id: when `jobId` already published a version of `name`, that version is returned and
   * nothing is written. Callers serialise publishes of one name (see the queue worker's lock).
   */
  publish(name: string, jobId: string, stagedDir: string): Promise<Published>;
  /** The version of `name` that `jobId` published, if any. */
  publishedBy(name: string, jobId: string): Promise<number | undefined>;
  /** Remove a staging directory from {@link stage} (after a publish, a failure or a cancel). */
  discard(stagingDir: string): Promise<void>;
  /**
   * One short string per model name that changes whenever a version is added, replaced or
   * removed: replicas poll it and reload only the names whose string changed.
   */
  fingerprints(): Promise<Map<string, string>>;
}
