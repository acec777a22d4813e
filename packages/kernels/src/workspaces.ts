/**
 * Bookkeeping for native workspaces (the activations a forward pass keeps for its backward pass).
 * The backward pass releases them; one that never gets a backward pass (computed under a gradient
 * tape but not on the path to the loss) would otherwise wait for a garbage collection, which a
 * synchronous training loop may not give it. So the outstanding ones are capped: past the cap the
 * oldest are released early — safe, because a backward pass that finds its workspace released
 * recomputes the forward pass first.
 */
import type { NativeAddon, Workspace } from './native.js';

const CAP_BYTES = 768 * 2 ** 20;
let outstanding: { ws: Workspace; bytes: number }[] = [];

/** Register a workspace that a backward pass may still need; evicts the oldest past the cap. */
export function trackWorkspace(addon: NativeAddon, ws: Workspace, floats: number): void {
  outstanding = outstanding.filter((o) => addon.alive(o.ws));
  outstanding.push({ ws, bytes: floats * 4 });
  let total = outstanding.reduce((s, o) => s + o.bytes, 0);
  while (total > CAP_BYTES && outstanding.length > 1) {
    const o = outstanding.shift()!;
    addon.release(o.ws);
    total -= o.bytes;
  }
}
