// The training-job schemas are the models' options tables (with the server's limits on top): a
// bad option is the table's one line under its JSON field, and the OpenAPI document shows the
// table's defaults and descriptions.
import { charLMOptionsSchema } from '@seqcast/core';
import { forecastOptionsSchema, globalForecasterOptionsSchema } from '@seqcast/forecast';
import { describe, expect, it } from 'vitest';
import { buildOpenApi } from './openapi.js';
import { resolveOptions } from './options.js';
import { parseBody, requestSchemas } from './schemas.js';

const opts = resolveOptions({});
const { job } = requestSchemas(opts.limits);
const forecast = (options: Record<string, unknown>) => ({ kind: 'forecast', name: 'f', csv: 'a\n1\n', options: { target: 'a', ...options } });
const chars = (options: Record<string, unknown>) => ({ kind: 'chars', name: 'c', text: 'hihello', options: { seqLength: 6, ...options } });
const panel = (options: Record<string, unknown>) => ({ kind: 'panel', name: 'p', csv: 'id,y\na,1\n', options: { target: 'y', horizon: 4, ...options } });

function detail(body: unknown): string {
  try {
    parseBody(job, body);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
}

describe('training-job options', () => {
  it('are checked by the model tables, each mistake one line naming the JSON field', () => {
    expect(detail(forecast({ window: 0 }))).toBe('options.window must be a positive integer (received 0)');
    expect(detail(forecast({ split: 1 }))).toBe('options.split must be between 0 and 1 (received 1)');
    expect(detail(forecast({ epochs: -1 }))).toBe('options.epochs must be an integer >= 0 (received -1)');
    expect(detail(forecast({ epochs: 100_000 }))).toBe(`options.epochs must be <= ${opts.limits.maxEpochs} (server limit)`);
    expect(detail(forecast({ newestFirst: true }))).toBe('options: unknown field "newestFirst"');
    expect(detail(panel({ horizon: 1001 }))).toBe('options.horizon must be an integer <= 1000 (received 1001)');
    expect(detail(panel({ minutes: 0 }))).toBe('options.minutes must be a positive number (received 0)');
    expect(detail(forecast({ window: 12, units: 8 }))).toBe('accepted');
    expect(detail(chars({ layers: 0 }))).toBe('options.layers must be a positive integer (received 0)');
    expect(detail(chars({ layers: 5 }))).toBe('options.layers must be <= 4 (server limit) (received 5)');
    expect(detail(chars({ seqLength: 1001 }))).toBe('options.seqLength must be <= 1000 (server limit) (received 1001)');
    expect(detail(chars({ epochs: 100_000 }))).toBe(`options.epochs must be <= ${opts.limits.maxEpochs} (server limit)`);
    expect(detail(chars({ hidden: 16, dense: true, seed: 1 }))).toBe('accepted');
  });

  it('keep the options as given (the library fills the defaults when it trains)', () => {
    expect(parseBody(job, forecast({})).options).toEqual({ target: 'a' });
  });

  it("show the tables' defaults and descriptions in the OpenAPI document", () => {
    const doc = JSON.stringify(buildOpenApi(opts));
    const def = (s: { shape: Record<string, unknown> }, k: string) => (s.shape[k] as { def: { defaultValue: unknown } }).def.defaultValue;
    for (const k of ['epochs', 'units', 'learningRate', 'split', 'minGain']) {
      const d = forecastOptionsSchema.shape[k as 'epochs'];
      expect(doc).toContain(`"description":${JSON.stringify(d.meta()!.description)},"default":${JSON.stringify(def(forecastOptionsSchema, k))}`);
    }
    // The chars job is CharLM.train's table: the page's form can take its defaults from the document.
    for (const k of ['epochs', 'layers', 'learningRate', 'seed'] as const) {
      const d = charLMOptionsSchema.shape[k];
      expect(doc).toContain(`"description":${JSON.stringify(d.meta()!.description)},"default":${JSON.stringify(def(charLMOptionsSchema, k))}`);
    }
    const m = globalForecasterOptionsSchema.shape.minutes;
    expect(doc).toContain(`"description":${JSON.stringify(m.meta()!.description)},"default":${JSON.stringify(def(globalForecasterOptionsSchema, 'minutes'))}`);
  });
});
