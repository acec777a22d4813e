/**
 * Characters page: the top next characters (and their probabilities) update as you type;
 * generate with temperature, top-k and seed (same seed, same text).
 */
import { api, ApiError, type ModelDescription } from '../api.js';
import { field, h, showError } from '../dom.js';

/**
 * Whitespace by name: the control-picture symbols (␠, ↵, ⇥) are missing from common fonts and
 * render as an empty box, so a word is what every reader can see.
 */
const WHITESPACE: Record<string, string> = { ' ': 'space', '\n': 'newline', '\t': 'tab', '\r': 'return' };

/** A candidate character as shown: whitespace named in a small label, anything else as is. */
function showChar(ch: string): HTMLElement | string {
  const name = WHITESPACE[ch];
  return name ? h('span', { class: 'ws' }, name) : ch;
}

/** A character in the vocabulary line: whitespace named in brackets. */
function show(ch: string): string {
  const name = WHITESPACE[ch];
  return name ? `[${name}]` : ch;
}

export function charsPage(root: HTMLElement): () => void {
  const modelSel = h('select', { id: 'chars-model' });
  const vocab = h('p', { class: 'hint', id: 'chars-vocab' });
  const text = h('input', { id: 'chars-text', type: 'text', autocomplete: 'off', spellcheck: 'false', size: 50 });
  const textError = h('p', { class: 'error', role: 'alert', id: 'chars-text-error', hidden: true });
  const list = h('ol', { class: 'candidates', id: 'next-chars', 'aria-live': 'polite', 'aria-label': 'Most likely next characters' });

  const prefix = h('input', { id: 'gen-prefix', type: 'text', autocomplete: 'off', spellcheck: 'false', size: 40 });
  const length = h('input', { id: 'gen-length', type: 'number', min: 1, max: 500, value: 60 });
  const temperature = h('input', { id: 'gen-temperature', type: 'number', min: 0, max: 100, step: 0.1, value: 0.7 });
  const topK = h('input', { id: 'gen-topk', type: 'number', min: 1, placeholder: 'all' });
  const seed = h('input', { id: 'gen-seed', type: 'number', min: 0, value: 1 });
  const genButton = h('button', { type: 'submit' }, 'Generate');
  const genError = h('p', { class: 'error', role: 'alert', id: 'gen-error', hidden: true });
  const output = h('div', { class: 'generated', id: 'gen-output', 'aria-live': 'polite' });
  const form = h(
    'form',
    {},
    h(
      'div',
      { class: 'row' },
      field('Prefix', prefix, 'empty: the text above'),
      field('Length', length),
      field('Temperature', temperature, '0 = most likely'),
      field('Top-k', topK),
      field('Seed', seed, 'same seed, same text'),
    ),
    genButton,
    genError,
  );
  const status = h('p', { class: 'muted', role: 'status' });

  root.append(
    h('h1', {}, 'Characters'),
    status,
    h('div', { class: 'row' }, field('Char model', modelSel)),
    vocab,
    field('Text', text, 'the next characters update as you type'),
    textError,
    h('h2', {}, 'Next character'),
    list,
    h('h2', {}, 'Generate'),
    form,
    output,
  );

  let models: ModelDescription[] = [];
  let asked = 0; // answers to older keystrokes are dropped
  let timer: ReturnType<typeof setTimeout> | undefined;

  const current = () => models.find((m) => m.name === modelSel.value);

  async function updateNext(): Promise<void> {
    const m = current();
    const t = text.value;
    const mine = ++asked;
    if (!m || t.length === 0) {
      list.replaceChildren();
      showError(textError, undefined);
      return;
    }
    try {
      const next = await api.next(m.name, t, 5);
      if (mine !== asked) return;
      showError(textError, undefined);
      list.replaceChildren(
        ...next.map((c) =>
          h(
            'li',
            { 'data-char': c.char, 'data-p': c.p },
            h('span', { class: 'ch' }, showChar(c.char)),
            h('span', { class: 'bar', style: `width:${Math.max(1, c.p * 100).toFixed(1)}%`, 'aria-hidden': 'true' }),
            h('span', { class: 'p' }, `${(c.p * 100).toFixed(1)}%`),
          ),
        ),
      );
    } catch (e) {
      if (mine !== asked) return;
      list.replaceChildren();
      showError(textError, e instanceof ApiError ? e.detail : String(e));
    }
  }

  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void updateNext(), 80);
  });
  modelSel.addEventListener('change', () => {
    const m = current();
    const v = m && m.input.kind === 'chars' ? (m.input.vocabulary as string[]) : [];
    vocab.textContent = m ? `Vocabulary (${v.length}): ${v.map(show).join(' ')}` : '';
    void updateNext();
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const m = current();
    if (!m) return;
    showError(genError, undefined);
    const p = prefix.value || text.value;
    if (!p) {
      showError(genError, 'Type a prefix (or text above) to continue from.');
      return;
    }
    const body: { prefix: string; length: number; temperature?: number; topK?: number; seed?: number } = { prefix: p, length: Number(length.value) };
    if (temperature.value !== '') body.temperature = Number(temperature.value);
    if (topK.value !== '') body.topK = Number(topK.value);
    if (seed.value !== '') body.seed = Number(seed.value);
    genButton.disabled = true;
    try {
      const out = await api.generate(m.name, body);
      output.replaceChildren(h('span', { class: 'prefix' }, p), h('span', { id: 'gen-continuation' }, out));
    } catch (e) {
      showError(genError, e instanceof ApiError ? e.detail : String(e));
    } finally {
      genButton.disabled = false;
    }
  });

  void (async () => {
    try {
      models = (await api.models()).filter((m) => m.kind === 'chars');
    } catch (e) {
      status.textContent = (e as Error).message;
      return;
    }
    if (!models.length) status.textContent = 'No char models yet — train one on the Training page.';
    modelSel.replaceChildren(...models.map((m) => h('option', { value: m.name }, `${m.name} (v${m.version})`)));
    modelSel.dispatchEvent(new Event('change'));
  })();

  return () => {
    clearTimeout(timer);
    asked++;
  };
}
