import { initBackend, initKernels, lstmSequence, adamOptimizer } from '@seqcast/core';
import { tf } from '@seqcast/core/internals';
import { buildNetwork, forwardMember, memberVariables, pinballLoss } from '../packages/forecast/dist/models/global/network.js';
await initBackend();
await initKernels();
for (const [L, P, H] of [
  [168, 24, 48],
  [46, 1, 13],
]) {
  const c = { window: L, patch: P, horizon: H, cell: 'lstm', units: 64, members: 1 };
  const net = buildNetwork(c, 1);
  const vars = memberVariables(net, 0);
  const opt = adamOptimizer(0.001);
  const B = 256;
  const x = tf.randomNormal([B, L]);
  const mask = tf.ones([B, L / P]);
  const y = tf.randomNormal([B, H]);
  const time = (name, fn, n = 20) => {
    fn();
    const t = Date.now();
    for (let i = 0; i < n; i++) fn();
    console.log(L, name, ((Date.now() - t) / n).toFixed(1), 'ms');
  };
  // Read after tf.tidy returns: a typed array returned from tidy is walked element by element.
  const read = (f) => {
    const t = tf.tidy(f);
    t.dataSync();
    t.dispose();
  };
  time('forward', () => read(() => forwardMember(net, c, 0, x, mask)));
  time('fwd+loss', () => read(() => pinballLoss(forwardMember(net, c, 0, x, mask), y)));
  time('step', () => {
    const l = opt.minimize(() => pinballLoss(forwardMember(net, c, 0, x, mask), y), true, vars);
    l.dataSync();
    l.dispose();
  });
  time('lstm only step', () => {
    const l = opt.minimize(
      () => {
        const [k, r, b] = net.getLayer('rnn_0').weights.map((w) => w.read());
        return tf.sum(lstmSequence(x.reshape([B, L / P, P]), k, r, b, { mask }).h);
      },
      true,
      vars.slice(0, 3),
    );
    l.dispose();
  });
}
