/**
 * Panel accuracy as the forecasting competitions report it: sMAPE (×200 convention) and MASE
 * (in-sample seasonal-naive MAE with period m) averaged over every series × horizon, OWA as the
 * mean of the two ratios to Naive2's averages, and for models with intervals the empirical
 * coverage of the 80%/95% intervals (a fraction: 0.8 is nominal for the 80% interval) and the MSIS
 * of the 95% interval.
 */
import type { SeriesForecast } from '../panel/model.js';
import type { ScoredUnit } from './verdict.js';

/** The metric names, one object per model. Interval metrics are null without intervals. */
export interface PanelMetrics {
  smape: number;
  mase: number;
  /** Relative to Naive2 on the same cut (1 = as good as Naive2); NaN when Naive2 was not scored. */
  owa: number;
  coverage80: number | null;
  coverage95: number | null;
  msis: number | null;
}

/**
 * MASE and MSIS scale of one series: mean |x[t] − x[t−m]| over its training values, with lag 1
 * when the series is not longer than m, and 1 for a constant series (so a flat series still
 * scores instead of dividing by zero).
 * @example seasonalScale(Float64Array.of(1, 3, 2, 6), 2) // (1 + 3) / 2
 */
export function seasonalScale(train: ArrayLike<number>, m: number): number {
  const lagMae = (lag: number): number => {
    let s = 0;
    for (let t = lag; t < train.length; t++) s += Math.abs(train[t]! - train[t - lag]!);
    return train.length > lag ? s / (train.length - lag) : 0;
  };
  const s = m > 1 && train.length > m ? lagMae(m) : lagMae(1);
  if (s > 0) return s;
  const s1 = lagMae(1);
  return s1 > 0 ? s1 : 1;
}

/** Running sums over series × horizons for one model. */
export class MetricTotals {
  smape = 0;
  mase = 0;
  points = 0;
  covered80 = 0;
  covered95 = 0;
  msis = 0;
  intervalPoints = 0;
  /** Each added series' own sMAPE and MASE sums (for the bootstrap band of a verdict). */
  readonly units: ScoredUnit[] = [];

  /** Add one series' forecast of `actual`, with `scale` from {@link seasonalScale}. */
  add(actual: ArrayLike<number>, f: SeriesForecast, scale: number): void {
    const unit = { smape: 0, mase: 0 };
    for (let h = 0; h < actual.length; h++) {
      const a = actual[h]!;
      const p = f.values[h]!;
      const d = Math.abs(a) + Math.abs(p);
      unit.smape += d > 0 ? (200 * Math.abs(p - a)) / d : 0;
      unit.mase += Math.abs(p - a) / scale;
      this.points++;
    }
    this.smape += unit.smape;
    this.mase += unit.mase;
    this.units.push(unit);
    const iv = f.intervals;
    if (!iv) return;
    const alpha = 0.05;
    for (let h = 0; h < actual.length; h++) {
      const a = actual[h]!;
      const l80 = iv['80'].lower[h]!;
      const u80 = iv['80'].upper[h]!;
      const l = iv['95'].lower[h]!;
      const u = iv['95'].upper[h]!;
      if (a >= l80 && a <= u80) this.covered80++;
      if (a >= l && a <= u) this.covered95++;
      const penalty = a < l ? (2 / alpha) * (l - a) : a > u ? (2 / alpha) * (a - u) : 0;
      this.msis += (u - l + penalty) / scale;
      this.intervalPoints++;
    }
  }

  /** Averages; OWA against `naive2`'s totals on the same points. */
  result(naive2: MetricTotals | undefined): PanelMetrics {
    const smape = this.smape / this.points;
    const mase = this.mase / this.points;
    let owa = NaN;
    if (naive2 && naive2.points === this.points) {
      owa = 0.5 * (smape / (naive2.smape / naive2.points) + mase / (naive2.mase / naive2.points));
    }
    // Coverage counts only when every scored forecast had intervals.
    const full = this.intervalPoints === this.points && this.points > 0;
    return {
      smape,
      mase,
      owa,
      coverage80: full ? this.covered80 / this.points : null,
      coverage95: full ? this.covered95 / this.points : null,
      msis: full ? this.msis / this.points : null,
    };
  }
}
