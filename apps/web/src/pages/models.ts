/** Models page: every served model with its contract and training metrics; delete with the token. */
import { api, ApiError, type ModelDescription } from '../api.js';
import { h, showError } from '../dom.js';
import { getToken } from '../token.js';

/** Bookkeeping, not training metrics (the created column and the contract already show them). */
const NOT_METRICS = new Set(['kind', 'target', 'source', 'created', 'trainedAt', 'backend', 'kernels']);

/** The numeric (and short text) training metrics, in the order the model lists them. */
function metricsSummary(m: ModelDescription): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(m.metrics)) {
    if (NOT_METRICS.has(k)) continue;
    if (typeof v === 'number') parts.push(`${k} ${Number.isInteger(v) ? v : Number(v.toPrecision(4))}`);
    else if (typeof v === 'string' && v.length < 40) parts.push(`${k} ${v}`);
  }
  return parts.join(', ') || '–';
}

/** The validation score against the baselines, in one sentence (chars models have none). */
function quality(m: ModelDescription): HTMLElement {
  const q = m.quality;
  if (!q) return h('td', { 'data-key': 'quality' }, '–');
  return h('td', { 'data-key': 'quality', class: q.worseThanNaive2 ? 'warn' : undefined }, q.summary);
}

function contract(m: ModelDescription): string {
  const i = m.input as Record<string, unknown>;
  if (i.kind === 'chars') return `vocabulary of ${(i.vocabulary as string[]).length}: ${JSON.stringify((i.vocabulary as string[]).join(''))}`;
  const bits = [`target ${String(i.target)}`];
  if (Array.isArray(i.features)) bits.push(`features ${(i.features as string[]).join(', ')}`);
  for (const k of ['window', 'horizon', 'season', 'context']) if (typeof i[k] === 'number') bits.push(`${k} ${String(i[k])}`);
  if (typeof i.idColumn === 'string') bits.push(`id column ${i.idColumn}`);
  if (i.newestFirst === true) bits.push('reads files newest row first');
  return bits.join(' · ');
}

export function modelsPage(root: HTMLElement): () => void {
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const body = h('tbody');
  const table = h(
    'table',
    { 'aria-label': 'Served models' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['name', 'kind', 'version', 'created', 'validation vs baselines', 'training metrics', 'input contract', ''].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    body,
  );
  root.append(h('h1', {}, 'Models'), h('p', { class: 'muted' }, 'Every model the server serves. Deleting needs the token (top right).'), status, error, table);

  let alive = true;
  const load = async (note = '') => {
    try {
      const models = await api.models();
      if (!alive) return;
      status.textContent =
        note + (models.length ? `${models.length} model${models.length === 1 ? '' : 's'}.` : 'No models yet — train one on the Training page.');
      body.replaceChildren(...models.map(row));
    } catch (e) {
      showError(error, (e as Error).message);
    }
  };

  function row(m: ModelDescription): HTMLTableRowElement {
    const del = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${m.name}` }, 'Delete');
    const cell = h('td', {}, del);
    del.addEventListener('click', () => {
      showError(error, undefined);
      if (!getToken()) {
        showError(error, 'Enter the token (top right) to delete a model.');
        return;
      }
      const yes = h('button', { type: 'button', class: 'danger' }, `Delete ${m.name}`);
      const no = h('button', { type: 'button', class: 'secondary' }, 'Keep');
      cell.replaceChildren(h('span', {}, 'Every version? '), yes, ' ', no);
      no.addEventListener('click', () => cell.replaceChildren(del));
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        try {
          await api.deleteModel(m.name);
          await load(`Deleted ${m.name}. `);
        } catch (e) {
          showError(error, e instanceof ApiError ? `Could not delete ${m.name}: ${e.detail}` : String(e));
          cell.replaceChildren(del);
        }
      });
    });
    return h(
      'tr',
      { 'data-model': m.name },
      h('td', {}, h('strong', {}, m.name)),
      h('td', {}, m.kind),
      h('td', { class: 'num' }, `${m.version}${m.versions.length > 1 ? ` (of ${m.versions.join(', ')})` : ''}`),
      h('td', {}, new Date(m.created).toLocaleString()),
      quality(m),
      h('td', {}, metricsSummary(m)),
      h('td', {}, contract(m)),
      cell,
    );
  }

  void load();
  return () => {
    alive = false;
  };
}
