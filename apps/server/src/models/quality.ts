/**
 * A model's validation score next to its baselines, as `GET /v1/models` shows it: read from the
 * training info a model saved (SeriesForecaster: one-step MASE on its validation rows; GlobalForecaster:
 * OWA relative to Naive2 on the last horizon of its training series), with what its forecasts
 * are (the network, a mix, or a baseline's own) in one plain sentence.
 */
import { readModelMetadata } from '@seqcast/core';
import { groupsShipped, type Combination } from '@seqcast/forecast';
import type { ModelQuality } from '../wire.js';

const PARTNERS: Record<string, string> = { naive2: 'Naive2', theta: 'Theta' };

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3);
}

/** Quality of a SeriesForecaster from its info (`metrics.validation`: one-step metrics per method). */
export function forecasterQuality(info: Record<string, unknown>): ModelQuality {
  const table = ((info.metrics as Record<string, unknown> | undefined)?.validation ?? {}) as Record<string, unknown>;
  const mase = (k: string) => num((table[k] as { mase?: unknown } | undefined)?.mase);
  const baselines: Record<string, number> = {};
  for (const k of ['naive', 'snaive', 'linear']) {
    const v = mase(k);
    if (v !== null) baselines[k] = v;
  }
  const linear = info.linear as { paths?: string[] } | undefined;
  const rnn = info.rnn as { used?: boolean } | undefined;
  const paths = [...new Set(linear?.paths ?? [])];
  const ships = `${paths.length ? `linear path (${paths.join('; ')})` : 'linear path'}${rnn?.used ? ' + recurrent path' : ''}`;
  const model = mase('model');
  const rows = num(table.rows);
  const on = rows === null ? null : `${rows} validation rows, one step ahead`;
  if (model === null) return { metric: 'mase', on, model: null, baselines, ships, summary: 'no validation score recorded' };
  const names = Object.keys(baselines);
  const best = names.reduce<string | null>((a, b) => (a === null || baselines[b]! < baselines[a]! ? b : a), null);
  const losesTo = names.filter((k) => baselines[k]! < model * (1 - 1e-6));
  const against = best === null ? '' : ` vs best baseline ${best} ${fmt(baselines[best]!)}`;
  const summary = losesTo.length
    ? `validation MASE ${fmt(model)}${against}: loses to ${losesTo.join(' and ')}`
    : `validation MASE ${fmt(model)}${against}: matches or beats every baseline`;
  return { metric: 'mase', on, model, baselines, ships, summary };
}

/** Quality of a panel (global) model from its info (`validation`, `combination`). */
export function panelQuality(info: Record<string, unknown>, kind = 'global'): ModelQuality {
  const v = info.validation as Record<string, unknown> | null | undefined;
  if (kind !== 'global' && !v) {
    // A baseline (or another kind without a validation stretch) ships its own forecasts.
    const ships = `${kind}'s forecasts`;
    return {
      metric: 'owa',
      on: null,
      model: null,
      baselines: { naive2: 1 },
      ships,
      summary: `not scored against Naive2 at training (run seqcast forecast backtest --models ${kind}); ships ${ships}`,
    };
  }
  const c = (info.combination ?? { partner: 'naive2', weight: 1 }) as { partner: string; weight: number };
  const partner = PARTNERS[c.partner] ?? c.partner;
  // Length groups that chose their own combination: each group's is what it ships.
  const groups = groupsShipped(c as Combination, false);
  const ships = groups
    ? `by history length, ${groups}`
    : c.weight === 0
      ? `${partner}'s forecasts (the network did not beat it)`
      : c.weight < 1
        ? `the network (weight ${c.weight}) mixed with ${partner} (weight ${Number((1 - c.weight).toFixed(6))})`
        : 'the network';
  if (!v) {
    return {
      metric: 'owa',
      on: null,
      model: null,
      baselines: { naive2: 1 },
      ships,
      summary: `no validation stretch (series too short to hold out a horizon): accuracy against Naive2 unknown; ships ${ships}`,
    };
  }
  const owa = num(v.owa);
  const network = num(v.modelOwa);
  const worse = v.worseThanNaive2 === true;
  const on = `last horizon of ${num(v.series) ?? '?'} training series`;
  const summary =
    `validation OWA ${owa === null ? 'n/a' : fmt(owa)} vs Naive2 1` +
    (network !== null && (c.weight < 1 || groups) ? ` (network alone ${fmt(network)})` : '') +
    `; ships ${ships}` +
    (worse ? '; worse than Naive2 on its validation stretch' : '');
  return { metric: 'owa', on, model: owa, baselines: { naive2: 1 }, ships, worseThanNaive2: worse, summary };
}

/**
 * How the training saved in `dir` ended, for its job record: `time` when a panel model's time
 * budget (options.minutes) stopped it before its planned steps, `steps` when it ran them all;
 * undefined for models that do not record it.
 */
export async function trainingStop(dir: string): Promise<'steps' | 'time' | undefined> {
  try {
    const meta = await readModelMetadata<unknown, { info?: { stopped?: unknown } }>(dir);
    const stopped = (meta.extra as { info?: { stopped?: unknown } } | null)?.info?.stopped;
    return stopped === 'budget' ? 'time' : stopped === 'steps' ? 'steps' : undefined;
  } catch {
    return undefined; // the record is still right without it
  }
}
