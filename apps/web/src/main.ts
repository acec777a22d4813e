/**
 * The seqcast web page: four pages behind hash routes (#/models, #/forecast, #/chars,
 * #/training), all talking to the server that serves this bundle. The hash only names the page:
 * no token or data ever goes into the URL.
 */
import './style.css';
import { bindTokenInput } from './token.js';
import { modelsPage } from './pages/models.js';
import { forecastPage } from './pages/forecast.js';
import { charsPage } from './pages/chars.js';
import { trainingPage } from './pages/training.js';

/** A page draws itself into `root` and returns how to stop (timers, event streams, charts). */
export type Page = (root: HTMLElement) => () => void;

const pages: Record<string, { title: string; page: Page }> = {
  models: { title: 'Models', page: modelsPage },
  forecast: { title: 'Forecast', page: forecastPage },
  chars: { title: 'Characters', page: charsPage },
  training: { title: 'Training', page: trainingPage },
};

const root = document.getElementById('page')!;
let stop: () => void = () => {};

function route(): void {
  const key = /^#\/(\w+)/.exec(location.hash)?.[1] ?? 'models';
  const entry = pages[key] ?? pages.models!;
  stop();
  root.replaceChildren();
  document.title = `${entry.title} · seqcast`;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (a.getAttribute('href') === `#/${key}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  stop = entry.page(root);
}

async function showHealth(): Promise<void> {
  const el = document.getElementById('server-status')!;
  try {
    const r = await fetch('/health');
    const h = (await r.json()) as { backend: string; models: number };
    el.textContent = `${h.models} model${h.models === 1 ? '' : 's'} · ${h.backend}`;
  } catch {
    el.textContent = 'server unreachable';
  }
}

bindTokenInput(document.getElementById('token') as HTMLInputElement);
window.addEventListener('hashchange', route);
route();
void showHealth();
