/**
 * Training page: submit a job (CSV for a forecaster, text for a char model), follow it live from
 * the server-sent events (step, loss curve, ETA), cancel it, and see the published model.
 */
import type { View } from 'vega';
import { lossChartSpec, type LossPoint } from '@seqcast/forecast/charts';
import { api, ApiError, type JobRecord, type ModelKindList } from '../api.js';
import { renderChart } from '../chart.js';
import { duration, field, fmt, h, showError } from '../dom.js';
import { getToken } from '../token.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** A job's steps, named by what they count (`unit`: epoch or step; `series` stays as it is). */
const stepsOf = (unit: string) => (unit === 'series' ? 'series' : `${unit}s`);
/** Chosen files up to this size are shown (and editable) in the content box; bigger ones are uploaded as they are. */
const SHOWN_FILE_BYTES = 2 ** 20;

/**
 * Number inputs: `[id, label, value, hint]`. An empty field is left to the server's default, which
 * the page shows from the served OpenAPI document (the options tables the server validates with).
 */
const FORECAST_OPTIONS: [string, string, string, string?][] = [
  ['season', 'Season', '', 'e.g. 12 for monthly'],
  ['window', 'Window', ''],
  ['horizon', 'Horizon', ''],
  ['epochs', 'Epochs', '30'],
  ['seed', 'Seed', '1'],
];
/**
 * Panel options come from the server (GET /v1/model-kinds): each kind's own fields, ranges and
 * defaults. The page only suggests a value for the one required number, the horizon.
 */
const PANEL_SUGGESTED: Record<string, string> = { horizon: '12' };
/** Set from the panel CSV's own fields, not the options box. */
const PANEL_COLUMNS = new Set(['target', 'features']);
type KindOptions = ModelKindList['kinds'][number];
type OptionSchema = { type?: string; enum?: unknown[]; default?: unknown; description?: string; minimum?: number; maximum?: number };

/** `learningRate` → `Learning rate`. */
function labelOf(option: string): string {
  const words = option.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
  return words[0]!.toUpperCase() + words.slice(1);
}

/** One input per option of a kind's JSON Schema: numbers as number inputs, enums and booleans as selects. */
function panelFields(k: KindOptions): HTMLElement[] {
  const props = (k.options.properties ?? {}) as Record<string, OptionSchema>;
  const required = new Set((k.options.required ?? []) as string[]);
  const out: HTMLElement[] = [];
  for (const [option, s] of Object.entries(props)) {
    if (PANEL_COLUMNS.has(option)) continue;
    const id = `opt-${option}`;
    let input: HTMLElement;
    if (s.enum || s.type === 'boolean') {
      const values = s.enum ?? [true, false];
      input = h(
        'select',
        { id, 'data-option': option },
        h('option', { value: '' }, '(default)'),
        ...values.map((v) => h('option', { value: JSON.stringify(v) }, String(v))),
      );
    } else if (s.type === 'integer' || s.type === 'number') {
      input = h('input', {
        id,
        'data-option': option,
        type: 'number',
        step: s.type === 'integer' ? 1 : 'any',
        ...(s.minimum !== undefined ? { min: s.minimum } : {}),
        ...(s.maximum !== undefined ? { max: s.maximum } : {}),
        value: PANEL_SUGGESTED[option] ?? '',
      });
    } else continue; // no other option type is exposed to jobs
    if (s.description) input.title = s.description;
    out.push(
      field(
        labelOf(option),
        input as HTMLElement & { id: string },
        required.has(option) ? 'required' : s.default !== undefined ? `default ${String(s.default)}` : undefined,
      ),
    );
  }
  return out;
}
const CHARS_OPTIONS: [string, string, string, string?][] = [
  ['seqLength', 'Sequence length', '6'],
  ['layers', 'Layers', '1'],
  ['hidden', 'Hidden units', '', 'default: vocabulary size'],
  ['epochs', 'Epochs', '100'],
  ['learningRate', 'Learning rate', '0.1'],
  ['seed', 'Seed', '777'],
];

export function trainingPage(root: HTMLElement): () => void {
  const kind = h(
    'select',
    { id: 'job-kind' },
    h('option', { value: 'chars' }, 'char model (text)'),
    h('option', { value: 'forecast' }, 'forecaster (CSV, one series)'),
    h('option', { value: 'panel' }, 'panel model (CSV panel: the global model, a baseline, …)'),
  );
  const name = h('input', { id: 'job-name', type: 'text', autocomplete: 'off', value: 'my-model', pattern: '[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}' });
  const file = h('input', { id: 'job-file', type: 'file', accept: '.csv,.txt,text/*' });
  const content = h('textarea', { id: 'job-content', rows: 6, spellcheck: 'false' });
  const target = h('input', { id: 'job-target', type: 'text', autocomplete: 'off', placeholder: 'column to forecast' });
  const targetField = field('Target column', target);
  const idColumn = h('input', { id: 'job-id-column', type: 'text', autocomplete: 'off', placeholder: 'none: one series' });
  const idField = field('Id column', idColumn, 'names the series of the panel');
  const optionsBox = h('div', { class: 'row', id: 'job-options' });
  const modelSelect = h('select', { id: 'job-model' });
  const modelField = field('Model', modelSelect, 'the registered panel model kinds');
  /** The server's panel model kinds; empty until it answers. */
  let modelKinds: KindOptions[] = [];
  const submit = h('button', { type: 'submit', id: 'job-submit' }, 'Train');
  const formError = h('p', { class: 'error', role: 'alert', id: 'job-error', hidden: true });
  const form = h(
    'form',
    {},
    h('div', { class: 'row' }, field('Kind', kind), field('Model name', name, 'a new version if it exists')),
    field('Training file', file, 'or paste below'),
    field('Training content', content),
    h('div', { class: 'row' }, targetField, idField, modelField),
    optionsBox,
    submit,
    formError,
  );

  const stateEl = h('span', { class: 'state', id: 'job-state' });
  const progress = h('progress', { id: 'job-progress', max: 1, value: 0, 'aria-label': 'Training progress' });
  const unitEl = h('span', { id: 'job-unit' }, 'steps');
  const stepEl = h('span', { id: 'job-step' });
  const lossEl = h('span', { id: 'job-loss' });
  const etaEl = h('span', { id: 'job-eta' });
  const resultEl = h('p', { id: 'job-result', role: 'status' });
  const cancel = h('button', { type: 'button', class: 'danger', id: 'job-cancel' }, 'Cancel');
  const cancelError = h('p', { class: 'error', role: 'alert', hidden: true });
  const chartEl = h('div', { class: 'chart', id: 'loss-chart' });
  const jobBox = h(
    'section',
    { id: 'job', 'aria-label': 'Current job' },
    h('h2', {}, 'Progress'),
    h('div', { class: 'kv' }, h('span', {}, 'state'), stateEl, unitEl, stepEl, h('span', {}, 'loss'), lossEl, h('span', {}, 'ETA'), etaEl),
    progress,
    ' ',
    cancel,
    cancelError,
    resultEl,
    chartEl,
  );
  jobBox.hidden = true;
  const jobsBody = h('tbody');
  const jobsTable = h(
    'table',
    { 'aria-label': 'Recent jobs' },
    h('thead', {}, h('tr', {}, ...['name', 'kind', 'state', 'progress', 'loss', 'created'].map((t) => h('th', { scope: 'col' }, t)))),
    jobsBody,
  );

  root.append(
    h('h1', {}, 'Training'),
    h('p', { class: 'muted' }, 'Training runs on the server, one job at a time; it needs the token (top right).'),
    form,
    jobBox,
    h('h2', {}, 'Recent jobs'),
    jobsTable,
  );

  /** `{ kind: { option: default } }` from the server; empty until it answers. */
  let serverDefaults: Record<string, Record<string, unknown>> = {};
  const showDefaults = () => {
    // Panel fields carry their defaults already (panelFields).
    const defaults = kind.value === 'panel' ? {} : (serverDefaults[kind.value] ?? {});
    for (const input of optionsBox.querySelectorAll<HTMLInputElement>('input[data-option]')) {
      const value = defaults[input.dataset.option!];
      const box = input.parentElement!;
      if (value === undefined || input.defaultValue !== '' || box.querySelector('.hint')) continue;
      box.append(h('span', { class: 'hint' }, `default ${String(value)}`));
    }
  };
  const showOptions = () => {
    const isCsv = kind.value !== 'chars';
    targetField.hidden = !isCsv;
    idField.hidden = kind.value !== 'panel';
    modelField.hidden = kind.value !== 'panel';
    content.placeholder = kind.value === 'panel' ? 'id,Month,Sales\nshop1,1960-01,6550\n…' : isCsv ? 'Month,Sales\n1960-01,6550\n…' : 'hihello';
    const panelKind = modelKinds.find((k) => k.kind === modelSelect.value);
    // Values typed into the fields being replaced stay (the kinds list may answer after the user typed).
    const typed = new Map(
      [...optionsBox.querySelectorAll<HTMLInputElement>('input[data-option]')]
        .filter((i) => i.value !== i.defaultValue)
        .map((i) => [i.dataset.option!, i.value]),
    );
    optionsBox.replaceChildren(
      ...(kind.value === 'panel'
        ? panelKind
          ? panelFields(panelKind)
          : []
        : (isCsv ? FORECAST_OPTIONS : CHARS_OPTIONS).map(([id, label, value, hint]) =>
            field(label, h('input', { id: `opt-${id}`, 'data-option': id, type: 'number', step: 'any', min: 0, value }), hint),
          )),
    );
    for (const input of optionsBox.querySelectorAll<HTMLInputElement>('input[data-option]')) {
      const value = typed.get(input.dataset.option!);
      if (value !== undefined && input.type !== 'checkbox') input.value = value;
    }
    showDefaults();
  };
  kind.addEventListener('change', showOptions);
  modelSelect.addEventListener('change', showOptions);
  showOptions();
  /** A chosen CSV too big to show: uploaded as it is, straight from the disk. */
  let upload: File | null = null;
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    upload = null;
    if (!f) return;
    if (f.size <= SHOWN_FILE_BYTES) {
      content.value = await f.text();
      return;
    }
    upload = f;
    content.value = '';
    showUpload();
  });
  const showUpload = () => {
    if (upload) content.placeholder = `${upload.name} (${(upload.size / 2 ** 20).toFixed(1)} MB) is uploaded as it is; type here to send text instead`;
  };
  kind.addEventListener('change', showUpload); // after showOptions, which sets the kind's own placeholder
  content.addEventListener('input', () => {
    if (content.value !== '') upload = null; // typed text replaces the chosen file
  });

  let events: EventSource | null = null;
  let view: View | null = null;
  let points: LossPoint[] = [];
  let job: JobRecord | null = null;
  let drawing = false;
  let alive = true;
  void api.modelKinds().then(
    (kinds) => {
      modelKinds = kinds;
      modelSelect.replaceChildren(
        ...kinds.map((k) => h('option', { value: k.kind, title: k.summary }, `${k.kind}${k.default ? ' (default)' : ''}: ${k.summary}`)),
      );
      // Only the panel kind's fields come from this list: the others keep what the user typed.
      if (alive && kind.value === 'panel') showOptions();
    },
    (e: unknown) => alive && showError(formError, `cannot read the model kinds: ${e instanceof ApiError ? e.detail : String(e)}`),
  );
  void api.jobOptionDefaults().then(
    (d) => {
      serverDefaults = d;
      if (alive) showDefaults();
    },
    () => undefined, // the hints are informational; the form works without them
  );

  async function loadJobs(): Promise<void> {
    try {
      const jobs = await api.jobs();
      if (!alive) return;
      jobsBody.replaceChildren(
        ...jobs
          .slice(0, 10)
          .map((j) =>
            h(
              'tr',
              {},
              h('td', {}, j.name),
              h('td', {}, j.kind),
              h('td', {}, j.state),
              h('td', { class: 'num' }, `${j.step}/${j.steps} ${stepsOf(j.unit)}${j.stoppedBy === 'time' ? ' (time budget)' : ''}`),
              h('td', { class: 'num' }, j.loss === null ? '–' : fmt(j.loss)),
              h('td', {}, new Date(j.createdAt).toLocaleString()),
            ),
          ),
      );
    } catch {
      /* the list is informational; the form still works */
    }
  }

  async function drawLoss(): Promise<void> {
    if (drawing || points.length < 1) return;
    drawing = true;
    try {
      view?.finalize();
      chartEl.replaceChildren();
      view = await renderChart(
        chartEl,
        lossChartSpec(points, { width: 520, height: 200, unit: job?.unit ?? 'epoch' }),
        `Loss curve over ${points.length} ${stepsOf(job?.unit ?? 'epoch')}, last loss ${fmt(points[points.length - 1]!.loss)}`,
      );
    } finally {
      drawing = false;
    }
  }

  function update(j: JobRecord): void {
    job = j;
    stateEl.textContent = j.state;
    unitEl.textContent = stepsOf(j.unit);
    stepEl.textContent = `${j.step} / ${j.steps}`;
    lossEl.textContent = j.loss === null ? '–' : fmt(j.loss);
    etaEl.textContent = j.state === 'running' ? duration(j.etaMs) : '–';
    progress.value = j.steps ? j.step / j.steps : 0;
    if (j.loss !== null && j.step > 0 && points[points.length - 1]?.epoch !== j.step) {
      points.push({ epoch: j.step, loss: j.loss });
      void drawLoss();
    }
    const done = TERMINAL.includes(j.state);
    cancel.disabled = done;
    if (j.state === 'succeeded' && j.model) {
      resultEl.replaceChildren(
        h('span', {}, `Published ${j.model.name} version ${j.model.version} after ${j.step} ${stepsOf(j.unit)} (${duration(j.elapsedMs)}). `),
        // A panel fit that ran out of time stopped early by design: say so, instead of a bare 2977/4000.
        j.stoppedBy === 'time'
          ? h('span', { id: 'job-stopped' }, `The time budget (options.minutes) stopped it before its ${j.steps} planned ${stepsOf(j.unit)}. `)
          : '',
        h('a', { href: '#/models' }, 'See it on the Models page'),
      );
    } else if (j.state === 'failed') {
      resultEl.textContent = `Failed: ${j.error?.message ?? 'unknown error'}`;
    } else if (done) {
      resultEl.textContent = `Job ${j.state}.`;
    } else {
      resultEl.textContent = '';
    }
  }

  function follow(id: string): void {
    events?.close();
    events = new EventSource(`/v1/jobs/${encodeURIComponent(id)}/events`);
    const onRecord = (ev: MessageEvent<string>) => update(JSON.parse(ev.data) as JobRecord);
    events.addEventListener('progress', onRecord);
    events.addEventListener('end', (ev) => {
      onRecord(ev as MessageEvent<string>);
      events?.close();
      events = null;
      void drawLoss();
      void loadJobs();
    });
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(formError, undefined);
    if (!getToken()) return showError(formError, 'Enter the token (top right): training needs it.');
    const options: Record<string, unknown> = {};
    for (const input of optionsBox.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-option]')) {
      if (input.value === '') continue;
      options[input.dataset.option!] = input instanceof HTMLSelectElement ? (JSON.parse(input.value) as unknown) : Number(input.value);
    }
    let body: Record<string, unknown>;
    if (kind.value === 'forecast') {
      options.target = target.value.trim();
      body = { kind: 'forecast', name: name.value.trim(), csv: content.value, options };
    } else if (kind.value === 'panel') {
      options.target = target.value.trim();
      const id = idColumn.value.trim();
      body = {
        kind: 'panel',
        model: modelSelect.value,
        name: name.value.trim(),
        csv: content.value,
        ...(id ? { csvOptions: { idColumn: id } } : {}),
        options,
      };
    } else {
      // A chosen file too big to show is still a char model's text (the server's text limit applies).
      body = { kind: 'chars', name: name.value.trim(), text: upload ? await upload.text() : content.value, options };
    }
    submit.disabled = true;
    try {
      // CSV jobs upload the file (or the pasted text) as the body: a 20 MB panel is no JSON string.
      const { csv, ...fields } = body as { csv?: string; kind: string; model?: string; name: string; options: unknown };
      const j = csv === undefined ? await api.submitJob(body) : await api.submitCsvJob(fields, upload ?? csv);
      points = [];
      view?.finalize();
      view = null;
      chartEl.replaceChildren();
      jobBox.hidden = false;
      update(j);
      follow(j.id);
      void loadJobs();
    } catch (e) {
      showError(formError, e instanceof ApiError ? e.detail : String(e));
    } finally {
      submit.disabled = false;
    }
  });

  cancel.addEventListener('click', async () => {
    if (!job) return;
    showError(cancelError, undefined);
    try {
      update(await api.cancelJob(job.id));
    } catch (e) {
      showError(cancelError, e instanceof ApiError ? e.detail : String(e));
    }
  });

  void loadJobs();
  return () => {
    alive = false;
    events?.close();
    view?.finalize();
  };
}
