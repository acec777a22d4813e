/**
 * The server's HTTP API as typed calls. Every non-2xx answer becomes an ApiError carrying the
 * problem+json `detail` and `where` (JSON field, CSV line), so pages can show the error next to
 * the input it is about. The bearer token is read from page memory (token.ts) per call.
 */
import { getToken } from './token.js';

// The wire types are the server's (one definition, checked against its zod schemas); a type-only
// import, so the bundle gets no code from the server, which itself serves this bundle.
import type {
  GenerateRequest,
  GenerateResponse,
  Interval,
  JobList,
  JobRecord,
  ModelDescription,
  ModelKindList,
  ModelList,
  NextResponse,
  PanelForecastResponse,
  ParsedCsv,
  SeriesForecastResponse,
} from '../../server/src/wire.js';

export type { Interval, JobRecord, ModelDescription, ModelKindList, ParsedCsv };
export type { ParsedSeries } from '../../server/src/wire.js';

/** A forecast in one shape whichever endpoint answered (per-series model or panel model). */
export interface ForecastResult {
  values: number[];
  intervals: Record<string, Interval> | null;
  /** The forecast steps' times from the server (panel models given the rows' times), else null. */
  dates: string[] | null;
}

/** A failed call: the problem's one-line detail and where it points (field, `<text>:7`, …). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly where: string | undefined,
    readonly code: string | undefined,
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  /** The 1-based file line a CSV error points at (`<text>:7` → 7), if any. */
  get line(): number | undefined {
    const m = /:(\d+)$/.exec(this.where ?? '') ?? /^<text>:(\d+)/.exec(this.detail);
    return m ? Number(m[1]) : undefined;
  }
}

/** A body sent as it is (a file), with its media type, instead of as JSON. */
class RawBody {
  constructor(
    readonly type: string,
    readonly data: Blob | string,
  ) {}
}

async function call<T>(method: string, path: string, body?: unknown, auth = false): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = body instanceof RawBody ? body.type : 'application/json';
  const token = getToken();
  if (auth && token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : body instanceof RawBody ? body.data : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'the server cannot be reached', undefined, 'NETWORK');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const p = (json ?? {}) as { detail?: string; where?: string; code?: string };
    throw new ApiError(res.status, p.detail ?? `${res.status} ${res.statusText}`, p.where, p.code);
  }
  return json as T;
}

export const api = {
  models: () => call<ModelList>('GET', '/v1/models').then((r) => r.models),
  deleteModel: (name: string) => call<void>('DELETE', `/v1/models/${encodeURIComponent(name)}`, undefined, true),
  next: (name: string, text: string, top: number) =>
    call<NextResponse>('POST', `/v1/models/${encodeURIComponent(name)}/next`, { text, top }).then((r) => r.next),
  generate: (name: string, body: GenerateRequest) =>
    call<GenerateResponse>('POST', `/v1/models/${encodeURIComponent(name)}/generate`, body).then((r) => r.text),
  parseCsv: (csv: string, idColumn?: string | null) => call<ParsedCsv>('POST', '/v1/csv', idColumn === undefined ? { csv } : { csv, idColumn }),
  /** The CSV read as forecast model `model` reads it (`forecast predict`'s reader and the model's saved layout). */
  parseCsvFor: (model: string, csv: string) => call<ParsedCsv>('POST', '/v1/csv', { csv, model }),
  /** The history and future files read as panel model `model` reads them in `forecast predict --future`: each series gets its next `steps` future values. */
  parseCsvWithFuture: (model: string, csv: string, future: string, steps: number) => call<ParsedCsv>('POST', '/v1/csv', { csv, model, future, steps }),
  /**
   * Forecast `steps` after `rows`. A per-series model answers `{forecast}`; a panel model takes
   * `{series:[{id,rows}]}` and answers `{forecasts:[{id,values,intervals}]}`. Both map to ForecastResult.
   */
  async forecast(
    model: ModelDescription,
    id: string,
    rows: Record<string, number | string>[],
    steps: number,
    times: string[] | null = null,
    future: Record<string, number | string>[] | null = null,
  ): Promise<ForecastResult> {
    const path = `/v1/models/${encodeURIComponent(model.name)}/forecast`;
    const r = isPanelModel(model)
      ? await call<PanelForecastResponse>('POST', path, { series: [{ id, rows, ...(times ? { times } : {}), ...(future ? { future } : {}) }], steps })
      : await call<SeriesForecastResponse>('POST', path, { rows, steps });
    return toForecastResult(r);
  },
  /** A sample CSV in the model's own columns, generated by the server; `future`: that sample's future file. */
  async sampleCsv(name: string, future = false): Promise<string> {
    const res = await fetch(`/v1/models/${encodeURIComponent(name)}/sample.csv${future ? '?future=1' : ''}`).catch(() => null);
    if (!res) throw new ApiError(0, 'the server cannot be reached', undefined, 'NETWORK');
    if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}`, undefined, undefined);
    return res.text();
  },
  jobs: () => call<JobList>('GET', '/v1/jobs').then((r) => r.jobs),
  /** Each job kind's option defaults, read from the served OpenAPI document (the server's own tables). */
  jobOptionDefaults: () => call<unknown>('GET', '/openapi.json').then(jobOptionDefaults),
  /** The panel model kinds a job can train, each with its options' JSON Schema (defaults, ranges): the form's fields. */
  modelKinds: () => call<ModelKindList>('GET', '/v1/model-kinds').then((r) => r.kinds),
  submitJob: (body: unknown) => call<JobRecord>('POST', '/v1/jobs', body, true),
  /**
   * A forecast or panel job whose CSV (a chosen file, read by the browser as it is sent, or pasted
   * text) is the request body: no JSON body limit; the other fields go in the query.
   */
  submitCsvJob: (fields: { kind: string; model?: string; name: string; options: unknown; csvOptions?: unknown }, csv: Blob | string) => {
    const query = new URLSearchParams({ kind: fields.kind, name: fields.name, options: JSON.stringify(fields.options) });
    if (fields.model !== undefined) query.set('model', fields.model);
    if (fields.csvOptions !== undefined) query.set('csvOptions', JSON.stringify(fields.csvOptions));
    return call<JobRecord>('POST', `/v1/jobs/csv?${query}`, new RawBody('text/csv', csv), true);
  },
  cancelJob: (id: string) => call<JobRecord>('DELETE', `/v1/jobs/${encodeURIComponent(id)}`, undefined, true),
};

/** `{ kind: { option: default } }` for every job kind of the document's JobRequest (options without a default left out). */
export function jobOptionDefaults(doc: unknown): Record<string, Record<string, unknown>> {
  type Alternative = { properties?: { kind?: { const?: string }; options?: { properties?: Record<string, { default?: unknown }> } } };
  const alternatives = (doc as { components?: { schemas?: { JobRequest?: { oneOf?: Alternative[] } } } }).components?.schemas?.JobRequest?.oneOf ?? [];
  const out: Record<string, Record<string, unknown>> = {};
  for (const alt of alternatives) {
    const kind = alt.properties?.kind?.const;
    if (!kind) continue;
    out[kind] = {};
    for (const [name, schema] of Object.entries(alt.properties?.options?.properties ?? {})) {
      if (schema.default !== undefined) out[kind][name] = schema.default;
    }
  }
  return out;
}

/**
 * Panel models (any kind besides `chars` and the per-series `forecast`, or an input contract that
 * names a panel) take the `{series:[{id,rows}]}` body.
 */
export function isPanelModel(m: ModelDescription): boolean {
  if (m.kind === 'chars') return false;
  return m.kind !== 'forecast' || m.input.kind === 'panel' || 'idColumn' in m.input;
}

/** Every model a forecast can be asked of. */
export function isForecastModel(m: ModelDescription): boolean {
  return m.kind !== 'chars';
}

export function toForecastResult(r: SeriesForecastResponse | PanelForecastResponse): ForecastResult {
  if ('forecasts' in r) {
    const f = r.forecasts[0];
    if (!f) throw new ApiError(200, 'the server answered no forecast', undefined, undefined);
    return { values: f.values, intervals: f.intervals ?? null, dates: f.dates ?? null };
  }
  return { values: r.forecast, intervals: null, dates: null }; // per-series models give no intervals
}
