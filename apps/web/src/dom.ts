/** Tiny DOM helpers: pages are built from plain elements, no framework. */

type Attrs = Record<string, string | number | boolean | undefined | null>;
type Child = Node | string | null | undefined | false;

/**
 * Create an element: `h('button', { type: 'button', class: 'x' }, 'Delete')`. Attributes with
 * false/null/undefined are left out; `true` sets an empty attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Show `message` in an error slot (role=alert), or clear it with undefined. */
export function showError(slot: HTMLElement, message: string | undefined): void {
  slot.textContent = message ?? '';
  slot.hidden = !message;
}

/** A labelled form control: `<div class="field"><label for=id>…</label>control</div>`. */
export function field(label: string, control: HTMLElement & { id: string }, hint?: string): HTMLDivElement {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('span', { class: 'hint' }, hint) : null);
}

/** `digits` significant digits, no trailing zeros: 12918.7109 -> "12918.71" (6), 0.0023317 -> "0.002332" (4). */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(digits)).toString();
}

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
