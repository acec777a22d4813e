import { GlobalEnsemble, syntheticCollection } from '@seqcast/forecast';
const { MetricTotals, seasonalScale } = await import('/work/main/packages/forecast/dist/protocol/panel-metrics.js');
const { partnerForecast } = await import('/work/main/packages/forecast/dist/models/global/validation.js');
for (const [kind, n, H, m] of [['quarterly', 400, 8, 4], ['monthly', 300, 18, 12]]) {
  const full = syntheticCollection(kind === 'quarterly' ? 31 : 32, { series: n, kind });
  const train = { ...full, series: full.series.map((s) => ({ ...s, values: s.values.subarray(0, s.values.length - H) })) };
  const model = new GlobalEnsemble({ horizon: H, season: m, steps: 600, minutes: 60 });
  await model.fit(train, { horizon: H, season: m });
  const f = await model.forecast(train, H);
  const line = [];
  for (const w of [1, 0.75, 0.5, 0.25, 0]) {
    const t = new MetricTotals(), n2 = new MetricTotals();
    full.series.forEach((s, i) => {
      const cut = train.series[i].values; const actual = s.values.subarray(s.values.length - H);
      const th = partnerForecast(cut, H, m, 'theta');
      const sc = seasonalScale(cut, m);
      t.add(actual, { id: s.id, values: f[i].values.map((v, h) => w * v + (1 - w) * th[h]) }, sc);
      n2.add(actual, { id: s.id, values: partnerForecast(cut, H, m, 'naive2') }, sc);
    });
    line.push(`w${w}: ${t.result(n2).owa.toFixed(3)}`);
  }
  console.log(kind, line.join('  '), 'validation', model.info().validation.owa.toFixed(3));
  model.dispose();
}
