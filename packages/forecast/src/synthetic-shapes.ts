/**
 * More seeded synthetic shapes for {@link syntheticCollection}, covering the frequencies the
 * hourly and weekly kinds do not: short trending yearly series (13–40 points), seasonal
 * quarterly and monthly series, and random-walk stock prices (nothing to learn: a model must not
 * lose to the naive forecast there). Levels sit far from zero and vary by series.
 */

/** Yearly: growth or decline that drifts slowly (damped now and then), noise, an occasional break. */
export function yearly(n: number, rand: () => number, g: () => number): Float64Array {
  const level0 = Math.exp(5 + rand() * 6); // 150 .. 60,000
  // Three in four series grow, one in four declines; 1–12% a year.
  let growth = (rand() < 0.75 ? 1 : -1) * (0.01 + rand() * 0.11);
  const damping = rand() < 0.3 ? 0.9 + rand() * 0.08 : 1;
  const noise = 0.005 + rand() * 0.04;
  const breakAt = rand() < 0.2 ? Math.floor(n * (0.3 + rand() * 0.5)) : -1;
  const y = new Float64Array(n);
  let level = level0;
  for (let t = 0; t < n; t++) {
    if (t === breakAt) level *= 1 + (rand() - 0.5) * 0.3;
    growth = growth * damping + 0.004 * g();
    level *= 1 + growth;
    y[t] = level * (1 + noise * g());
  }
  return y;
}

/** Seasonal with period m (4 quarterly, 12 monthly): multiplicative or additive, trend, AR noise. */
export function seasonal(n: number, m: number, rand: () => number, g: () => number): Float64Array {
  const level0 = Math.exp(4 + rand() * 7);
  const amp = 0.05 + rand() * 0.35;
  const profile = Array.from({ length: m }, () => g());
  const mean = profile.reduce((s, v) => s + v, 0) / m;
  const sd = Math.sqrt(profile.reduce((s, v) => s + (v - mean) ** 2, 0) / m) || 1;
  const shape = profile.map((v) => (v - mean) / sd);
  const multiplicative = rand() < 0.6;
  const slope = ((rand() - 0.35) * 0.04) / m; // per period: −1.4% .. +2.6% a year
  const noise = 0.01 + rand() * 0.06;
  const persistence = rand() * 0.7;
  const y = new Float64Array(n);
  let level = 1;
  let ar = 0;
  for (let t = 0; t < n; t++) {
    level = Math.max(0.1, level * (1 + slope + 0.3 * noise * g()));
    ar = persistence * ar + noise * g();
    const s = amp * shape[t % m]!;
    y[t] = level0 * Math.max(0.01, multiplicative ? level * (1 + s) * (1 + ar) : level + s + ar);
  }
  return y;
}

/** A stock's price: a geometric random walk (1–4% a step, small drift), rounded to cents. */
export function stock(n: number, rand: () => number, g: () => number): Float64Array {
  let price = Math.exp(2 + rand() * 5);
  const vol = 0.01 + rand() * 0.03;
  const drift = (rand() - 0.4) * 0.002;
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    price *= Math.exp(drift + vol * g());
    y[t] = Math.round(price * 100) / 100;
  }
  return y;
}

/**
 * Smooth trending series without a season (the kind where Theta and trend extrapolation beat the
 * naive forecast by far): a growth rate that itself drifts slowly, an S-shaped saturation, or a
 * trend whose slope bends once; noise and a random-walk part of varying size on top.
 */
export function smoothTrend(n: number, rand: () => number, g: () => number): Float64Array {
  const level0 = Math.exp(5 + rand() * 6); // 150 .. 60,000
  const noise = 0.003 + rand() * 0.03;
  // A random-walk part in most series, so the trend is not all there is.
  const walk = rand() < 0.7 ? rand() * 0.015 : 0;
  const y = new Float64Array(n);
  const kind = rand();
  let w = 0;
  const wander = () => (w += walk * g());
  if (kind < 0.5) {
    // Growth (or decline, one in four) of 0.2–2% a step, its rate drifting as a slow random walk.
    let rate = (rand() < 0.75 ? 1 : -1) * (0.002 + rand() * 0.018);
    const drift = 0.0005 + rand() * 0.002;
    let level = 1;
    for (let t = 0; t < n; t++) {
      rate += drift * 0.1 * g();
      level = Math.max(0.05, level * (1 + rate));
      y[t] = level0 * level * Math.exp(wander()) * (1 + noise * g());
    }
  } else if (kind < 0.75) {
    // An S-curve: a logistic rise (or fall) whose midpoint lies anywhere from before to after the data.
    const mid = n * (-0.3 + rand() * 1.6);
    const width = n * (0.1 + rand() * 0.5);
    const rise = (rand() < 0.8 ? 1 : -0.6) * (0.5 + rand() * 2);
    for (let t = 0; t < n; t++) y[t] = level0 * (1 + rise / (1 + Math.exp(-(t - mid) / width)) + 0.7) * Math.exp(wander()) * (1 + noise * g());
  } else {
    // A linear trend whose slope changes once, smoothly, somewhere in the second half.
    const bend = n * (0.4 + rand() * 0.5);
    const s0 = (rand() - 0.3) * 0.02;
    const s1 = (rand() - 0.4) * 0.02;
    for (let t = 0; t < n; t++) {
      const w = 1 / (1 + Math.exp(-(t - bend) / 5));
      const level = 1 + s0 * t + (s1 - s0) * w * (t - bend);
      y[t] = level0 * Math.max(0.05, level) * Math.exp(wander()) * (1 + noise * g());
    }
  }
  return y;
}
