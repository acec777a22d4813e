/**
 * Imported first by the training process: a watchdog thread that kills the process within about a
 * tenth of a second of its parent (the server) going away, however it went (SIGKILL included).
 *
 * The main thread cannot be relied on for this: a training step is one long synchronous call,
 * during which its event loop (and so the IPC 'disconnect' event) does not run. The thread has
 * its own event loop; it notices the parent is gone when the process is re-parented.
 */
import { Worker } from 'node:worker_threads';

const PARENT_POLL_MS = 100;

/**
 * Resolves once the watchdog thread runs. The training lowers its own priority only after that:
 * niceness is per thread on Linux, so the watchdog keeps the normal priority and is not starved
 * on a busy machine while the training (and any thread it starts later) runs at the lowest.
 */
export const watchdogReady: Promise<void> = new Promise((resolve) => {
  if (!process.send) return resolve();
  const watchdog = new Worker(
    `const { workerData } = require('node:worker_threads');
     setInterval(() => { if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL'); }, ${PARENT_POLL_MS});`,
    { eval: true, workerData: { ppid: process.ppid } },
  );
  watchdog.once('online', () => {
    watchdog.unref(); // kept alive by the process's own work, not by the watchdog
    resolve();
  });
});
