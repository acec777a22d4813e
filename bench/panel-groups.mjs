// node bench/panel-groups.mjs [--steps 600]
// The combination by length group, measured on its own: the same trained ensemble (600 steps per
// network) forecasts the holdout (last H) of the synthetic quarterly and monthly panels with its
// length groups and, loaded again with the groups stripped from its saved record, with the
// panel-wide combination alone; the pair is scored by the paired bootstrap (naive2Verdict: OWA
// of one against the other, 90% band over series). docs/global-model.md shows the output.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { GlobalEnsemble, naive2Verdict, syntheticCollection } from '@seqcast/forecast';

const { values: a } = parseArgs({ options: { steps: { type: 'string', default: '600' } } });
const panels = {
  quarterly: { make: () => syntheticCollection(16, { series: 400, kind: 'quarterly', intermittent: 0 }), horizon: 8, season: 4 },
  monthly: { make: () => syntheticCollection(17, { series: 300, kind: 'monthly', intermittent: 0 }), horizon: 18, season: 12 },
};

/** Mean absolute seasonal difference of the history (MASE's scale). */
function scaleOf(x, m) {
  let s = 0;
  for (let t = m; t < x.length; t++) s += Math.abs(x[t] - x[t - m]);
  return x.length > m ? s / (x.length - m) : 1;
}

/** Each series' sums of sMAPE and MASE terms over its horizon (naive2Verdict's units). */
function units(full, train, forecasts, H, m) {
  return full.series.map((s, i) => {
    const actual = s.values.subarray(s.values.length - H);
    const scale = scaleOf(train.series[i].values, m) || 1;
    let smape = 0;
    let mase = 0;
    actual.forEach((y, h) => {
      const f = forecasts[i].values[h];
      const d = Math.abs(y) + Math.abs(f);
      if (d > 0) smape += (200 * Math.abs(y - f)) / d;
      mase += Math.abs(y - f) / scale;
    });
    return { smape, mase };
  });
}

for (const [name, p] of Object.entries(panels)) {
  const full = p.make();
  const H = p.horizon;
  const train = { ...full, series: full.series.map((s) => ({ ...s, values: s.values.subarray(0, s.values.length - H) })) };
  const model = new GlobalEnsemble({ horizon: H, season: p.season, steps: Number(a.steps), minutes: 60 });
  await model.fit(train, { horizon: H, season: p.season });
  const dir = await mkdtemp(path.join(tmpdir(), 'seqcast-panel-groups-'));
  try {
    await model.save(path.join(dir, 'm'));
    const json = path.join(dir, 'm', 'seqcast.json');
    const meta = JSON.parse(await readFile(json, 'utf8'));
    for (const member of meta.extra.ensemble?.members ?? []) delete member.extra.info.combination.groups;
    delete meta.extra.info.combination.groups;
    await writeFile(json, JSON.stringify(meta));
    const panelWide = await GlobalEnsemble.load(path.join(dir, 'm'));
    const grouped = units(full, train, await model.forecast(train, H), H, p.season);
    const before = units(full, train, await panelWide.forecast(train, H), H, p.season);
    panelWide.dispose();
    const v = naive2Verdict(grouped, before);
    const mean = (u) => (u.reduce((s, x) => s + x.smape, 0) / (u.length * H)).toFixed(2);
    console.log(
      `${name}: with length groups against the panel-wide combination (same networks), holdout: OWA ${v.owa.toFixed(3)}, 90% band ${v.low.toFixed(3)}–${v.high.toFixed(3)} (${v.verdict}); sMAPE ${mean(grouped)} against ${mean(before)}`,
    );
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}
