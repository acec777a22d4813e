/**
 * Forecast page: pick a forecast model, upload or paste a CSV (one series, or a panel and a series
 * of it), and see history, forecast, its 80%/95% intervals (when the model gives them) and the
 * naive / seasonal-naive baselines in one zoomable chart, plus a table of the numbers.
 *
 * The CSV is read by the server as the chosen model reads it in `forecast predict` (`POST /v1/csv`
 * with `model`: the same reader, the model's saved row order, missing policy and panel columns),
 * so the page forecasts from exactly the rows the CLI would, and an error names the same file
 * line; the page shows it under the CSV with that line's text.
 */
import type { View } from 'vega';
import { baselinePaths, forecastChartSpec } from '@seqcast/forecast/charts';
import { api, ApiError, isForecastModel, isPanelModel, type ForecastResult, type ModelDescription, type ParsedCsv } from '../api.js';
import { nextTimes } from '@seqcast/data/dates';
import { renderChart } from '../chart.js';
import { field, fmt, h, showError } from '../dom.js';

interface ForecastInput {
  target: string;
  /** Columns every history row carries: the target and the model's inputs (a panel model's covariates). */
  features: string[];
  /** A panel model's future-known columns: their values for each forecast step come from the future CSV. */
  future: string[];
  horizon: number;
  season: number;
  context: number | null;
  newestFirst: boolean;
}

function inputOf(m: ModelDescription): ForecastInput {
  const i = m.input as Record<string, unknown>;
  const target = typeof i.target === 'string' ? i.target : '';
  const c = i.covariates as { past: string[]; future: string[]; static: string[] } | undefined;
  return {
    target,
    features: Array.isArray(i.features) ? (i.features as string[]) : [target, ...(c ? [...c.past, ...c.future, ...c.static] : [])],
    future: c?.future ?? [],
    horizon: typeof i.horizon === 'number' ? i.horizon : 1,
    season: typeof i.season === 'number' ? i.season : 1,
    context: typeof i.context === 'number' ? i.context : null,
    newestFirst: i.newestFirst === true,
  };
}

/** History rows the chart shows by default: enough to read the forecast against, not years of it. */
export function recentRows(steps: number, season: number): number {
  return Math.max(8 * steps, 3 * season, 48);
}

export function forecastPage(root: HTMLElement): () => void {
  const modelSel = h('select', { id: 'forecast-model' });
  const contractEl = h('p', { class: 'hint', id: 'forecast-contract' });
  const file = h('input', { id: 'csv-file', type: 'file', accept: '.csv,.tsv,.txt,text/csv' });
  const text = h('textarea', {
    id: 'csv-text',
    rows: 8,
    spellcheck: 'false',
    placeholder: 'Date,Close\n2024-01-02,101.5\n2024-01-03,102.1\n…',
    'aria-describedby': 'csv-error',
  });
  const sample = h('button', { type: 'button', class: 'secondary', id: 'forecast-sample' }, 'Try a sample CSV');
  const csvError = h('div', { class: 'error', role: 'alert', id: 'csv-error', hidden: true });
  // A panel model trained with future-known covariates needs their values for the forecast steps.
  const futureFile = h('input', { id: 'future-file', type: 'file', accept: '.csv,.tsv,.txt,text/csv' });
  const futureText = h('textarea', { id: 'future-text', rows: 5, spellcheck: 'false', 'aria-describedby': 'future-error' });
  const futureError = h('div', { class: 'error', role: 'alert', id: 'future-error', hidden: true });
  const futureHint = h('p', { class: 'hint', id: 'future-hint' });
  const futureFields = h(
    'div',
    { id: 'future-fields' },
    futureHint,
    field('Future CSV file', futureFile, 'or paste the future CSV below'),
    field('Future CSV', futureText),
    futureError,
  );
  futureFields.hidden = true;
  const seriesSel = h('select', { id: 'forecast-series' });
  const seriesField = field('Series', seriesSel, 'this file is a panel: pick one of its series');
  seriesField.hidden = true;
  const steps = h('input', { id: 'forecast-steps', type: 'number', min: 1, max: 1000, value: 12 });
  const go = h('button', { type: 'submit', id: 'forecast-go' }, 'Forecast');
  const runError = h('p', { class: 'error', role: 'alert', id: 'forecast-error', hidden: true });
  const status = h('p', { class: 'muted', role: 'status', id: 'forecast-status' });
  const chartEl = h('div', { class: 'chart', id: 'forecast-chart' });
  chartEl.hidden = true;
  const allHistory = h('input', { id: 'forecast-all-history', type: 'checkbox' });
  const historyField = h('p', {}, allHistory, h('label', { for: 'forecast-all-history' }, ' Show the whole history in the chart'));
  historyField.hidden = true;
  const tableEl = h('div', { id: 'forecast-table' });

  const form = h(
    'form',
    {},
    h('div', { class: 'row' }, field('Forecast model', modelSel), field('Steps', steps)),
    contractEl,
    h(
      'div',
      { class: 'row' },
      field('CSV file', file, 'or paste the CSV below'),
      h('div', { class: 'field' }, sample, h('span', { class: 'hint' }, "generated in the model's columns")),
    ),
    field('CSV', text),
    csvError,
    futureFields,
    seriesField,
    go,
    runError,
  );
  root.append(h('h1', {}, 'Forecast'), form, status, historyField, chartEl, tableEl);

  let models: ModelDescription[] = [];
  let view: View | null = null;
  let alive = true;
  const current = () => models.find((m) => m.name === modelSel.value);

  modelSel.addEventListener('change', () => {
    const m = current();
    if (!m) return;
    const i = inputOf(m);
    steps.value = String(i.horizon > 1 ? i.horizon : 12);
    contractEl.textContent =
      `${isPanelModel(m) ? 'Panel model' : 'Model'} of ${i.target}` +
      (i.features.length > 1 || i.features[0] !== i.target ? ` from ${i.features.join(', ')}` : '') +
      (i.context ? `; needs at least ${i.context} rows` : '') +
      (i.season > 1 ? `; season ${i.season}` : '') +
      (i.newestFirst ? '; reads files newest row first, as it was trained' : '');
    const cols = i.features.includes(i.target) ? i.features : [...i.features, i.target];
    text.placeholder = isPanelModel(m) ? `id,t,${i.features.join(',')}\na,1,…\na,2,…\n…` : `Date,${cols.join(',')}\n…`;
    futureText.placeholder = `id,t,${i.future.join(',')}\na,101,…\na,102,…\n…`;
    futureFields.hidden = i.future.length === 0;
    describeFuture();
    // The file is read as the model reads it: a new model may read it differently.
    if (text.value.trim()) void parse();
  });

  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    text.value = await f.text();
    await parse();
  });
  text.addEventListener('change', () => void parse());
  /** What the future CSV must hold, for the steps asked. */
  function describeFuture(): void {
    const m = current();
    const i = m ? inputOf(m) : null;
    futureHint.textContent = i?.future.length
      ? `This model reads ${i.future.join(', ')} known in advance: give a future CSV with the id and time columns and ${i.future.join(', ')} for the next ${steps.value} steps of each series (no ${i.target}).`
      : '';
  }
  steps.addEventListener('input', describeFuture);
  futureFile.addEventListener('change', async () => {
    const f = futureFile.files?.[0];
    if (f) futureText.value = await f.text();
  });
  sample.addEventListener('click', async () => {
    const m = current();
    if (!m) return showError(runError, 'No forecast model is served — train one on the Training page.');
    try {
      text.value = await api.sampleCsv(m.name);
      // A model that reads future-known columns gets the sample's future file too.
      if (inputOf(m).future.length) futureText.value = await api.sampleCsv(m.name, true);
      await parse();
    } catch (e) {
      showError(runError, e instanceof ApiError ? e.detail : String(e));
    }
  });

  /** The CSV error with the text of the line it names. */
  function csvProblem(e: ApiError): void {
    const line = e.line;
    csvError.replaceChildren(h('span', {}, e.detail));
    if (line !== undefined) {
      const src = text.value.split(/\r\n|\n|\r/)[line - 1];
      if (src !== undefined)
        csvError.append(h('br'), h('span', {}, `line ${line}: `), h('code', { class: 'badline', id: 'csv-error-line', 'data-line': line }, src || '(empty)'));
    }
    csvError.hidden = false;
    text.setAttribute('aria-invalid', 'true');
  }

  /** One server read per distinct text and model (a change event and a click may both ask at once). */
  let checking: { text: string; model: string; answer: Promise<ParsedCsv | ApiError> } | null = null;
  let seriesFor: ParsedCsv | null = null; // the parse the series list was built from

  async function parse(): Promise<ParsedCsv | null> {
    showError(csvError, undefined);
    text.removeAttribute('aria-invalid');
    if (!text.value.trim()) {
      showError(csvError, 'Upload or paste a CSV first.');
      return null;
    }
    const model = modelSel.value;
    if (!model) {
      showError(csvError, 'Pick a forecast model first: the file is read as that model reads it.');
      return null;
    }
    if (checking?.text !== text.value || checking.model !== model) {
      checking = {
        text: text.value,
        model,
        answer: api.parseCsvFor(model, text.value).catch((e: unknown) => (e instanceof ApiError ? e : new ApiError(0, String(e), undefined, undefined))),
      };
    }
    const asked = checking;
    const answer = await asked.answer;
    if (asked.model !== modelSel.value || asked.text !== text.value) return parse(); // changed meanwhile: read the new pair
    if (answer instanceof ApiError) {
      csvProblem(answer);
      return null;
    }
    const p = answer;
    seriesField.hidden = p.series.length < 2;
    if (seriesFor !== p) {
      seriesSel.replaceChildren(...p.series.map((s, k) => h('option', { value: k }, `${s.id ?? 'series'} (${s.rows} rows)`)));
      seriesFor = p;
    }
    status.textContent =
      `${p.series.length > 1 ? `${p.series.length} series (id column ${p.idColumn})` : `${p.series[0]!.rows} rows`}` +
      `; numeric columns ${p.columns.join(', ')}${p.dateColumn ? `; dates in ${p.dateColumn}` : ''}` +
      (current() && inputOf(current()!).newestFirst && !p.dateColumn ? '; read newest row first, as the model was trained' : '');
    return p;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(runError, undefined);
    const m = current();
    if (!m) return showError(runError, 'No forecast model is served — train one on the Training page.');
    const p = await parse();
    if (!p) return;
    const i = inputOf(m);
    const available = new Set([...p.columns, ...Object.keys(p.series[0]?.labels ?? {})]);
    const missing = i.features.filter((f) => !available.has(f));
    if (missing.length) {
      csvError.textContent = `The CSV has no column ${missing.map((c) => JSON.stringify(c)).join(', ')} that model "${m.name}" needs (numeric columns: ${p.columns.join(', ') || 'none'})`;
      csvError.hidden = false;
      return;
    }
    const n = Number(steps.value);
    showError(futureError, undefined);
    futureText.removeAttribute('aria-invalid');
    const withFuture = i.future.length ? await readFuture(m.name, n, i.future) : p;
    if (!withFuture) return;
    const s = withFuture.series[Number(seriesSel.value) || 0]!;
    const cell = (f: string, r: number) => (s.labels?.[f] ? s.labels[f][r]! : s.values[f]![r]!);
    const rows = Array.from({ length: s.rows }, (_, r) => Object.fromEntries(i.features.map((f) => [f, cell(f, r)])));
    const future = s.future ? Array.from({ length: n }, (_, k) => Object.fromEntries(i.future.map((f) => [f, s.future![f]![k]!]))) : null;
    go.disabled = true;
    try {
      const result = await api.forecast(m, s.id ?? 'series', rows, n, s.dates, future);
      if (!alive) return;
      await draw(m, i, s.values[i.target]!, s.dates, result);
    } catch (e) {
      showError(runError, e instanceof ApiError ? e.detail : String(e));
    } finally {
      go.disabled = false;
    }
  });

  /**
   * The history with each series' next `steps` values of the model's future-known columns, both
   * files read by the server as `forecast predict --future` reads them; a future-file mistake is
   * shown under the future CSV.
   */
  async function readFuture(model: string, n: number, columns: string[]): Promise<ParsedCsv | null> {
    if (!futureText.value.trim()) {
      showError(futureError, `This model needs ${columns.join(', ')} for the next ${n} steps: upload or paste the future CSV.`);
      futureText.setAttribute('aria-invalid', 'true');
      return null;
    }
    try {
      return await api.parseCsvWithFuture(model, text.value, futureText.value, n);
    } catch (e) {
      if (!(e instanceof ApiError)) {
        showError(runError, String(e));
      } else if (e.detail.startsWith('<future>') || e.where === 'future') {
        showError(futureError, e.detail);
        futureText.setAttribute('aria-invalid', 'true');
      } else {
        csvProblem(e);
      }
      return null;
    }
  }

  /** The last draw's inputs, so the history toggle can redraw without asking the server again. */
  let drawn: Parameters<typeof draw> | null = null;
  allHistory.addEventListener('change', () => {
    if (drawn) void draw(...drawn);
  });

  async function draw(m: ModelDescription, i: ForecastInput, history: number[], dates: string[] | null, r: ForecastResult): Promise<void> {
    drawn = [m, i, history, dates, r];
    const steps = r.values.length;
    // The server's dates (a panel model continues each series' own frequency); else the same
    // rule (@seqcast/data's nextTimes) on the file's dates: business days stay Mon–Fri.
    const future = r.dates ?? nextTimes(dates, steps);
    const baselines = baselinePaths(history, steps, i.season); // from the whole history
    const intervals = r.intervals ?? undefined;
    // A few steps after years of history would be a sliver at the right edge: by default the chart
    // shows a recent stretch (pan or tick the box for the rest).
    const shown = allHistory.checked ? history.length : Math.min(history.length, recentRows(steps, i.season));
    const from = history.length - shown;
    const spec = forecastChartSpec(
      {
        target: i.target,
        history: history.slice(from),
        forecast: r.values,
        dates: future && dates ? [...dates.slice(from), ...future] : null,
        firstRow: from + 1,
        intervals,
        baselines,
      },
      { interactive: true, width: 900, height: 340, title: `${m.name}: ${i.target}, ${steps}-step forecast${intervals ? ' with intervals' : ''}` },
    );
    view?.finalize();
    chartEl.replaceChildren();
    chartEl.hidden = false;
    historyField.hidden = shown === history.length && !allHistory.checked;
    const what = shown < history.length ? `the last ${shown} of ${history.length} observed values` : `${history.length} observed values`;
    view = await renderChart(chartEl, spec, `Chart of ${what} of ${i.target} and the ${steps}-step forecast`);
    chartEl.append(h('p', { class: 'hint', id: 'forecast-shown' }, `Showing ${what}.`));
    chartEl.append(h('p', { class: 'hint' }, 'Drag to pan, scroll to zoom the time axis, double-click to reset; hover a forecast point for its numbers.'));

    const levels = Object.keys(intervals ?? {}).sort((a, b) => Number(a) - Number(b));
    const names = Object.keys(baselines);
    const head = ['step', ...(future ? ['date'] : []), 'forecast', ...levels.flatMap((l) => [`${l}% lower`, `${l}% upper`]), ...names];
    const num = (v: number, key: string) => h('td', { class: 'num', 'data-key': key, 'data-value': v }, fmt(v, 7));
    tableEl.replaceChildren(
      h(
        'table',
        { id: 'forecast-values', 'aria-label': 'Forecast values' },
        h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          {},
          ...r.values.map((v, k) =>
            h(
              'tr',
              {},
              h('td', { class: 'num' }, String(k + 1)),
              future ? h('td', {}, future[k]!) : null,
              num(v, 'forecast'),
              ...levels.flatMap((l) => [num(intervals![l]!.lower[k]!, `${l}-lower`), num(intervals![l]!.upper[k]!, `${l}-upper`)]),
              ...names.map((b) => num(baselines[b]![k]!, b)),
            ),
          ),
        ),
      ),
      intervals ? h('span') : h('p', { class: 'hint', id: 'no-intervals' }, 'This model gives no intervals; only its point forecast is drawn.'),
    );
  }

  void (async () => {
    try {
      models = (await api.models()).filter(isForecastModel);
    } catch (e) {
      status.textContent = (e as Error).message;
      return;
    }
    if (!alive) return;
    if (!models.length) status.textContent = 'No forecast models yet — train one on the Training page.';
    modelSel.replaceChildren(...models.map((m) => h('option', { value: m.name }, `${m.name} (${m.kind}, v${m.version})`)));
    modelSel.dispatchEvent(new Event('change'));
  })();

  return () => {
    alive = false;
    view?.finalize();
  };
}
