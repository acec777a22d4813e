/**
 * The JSON the server's HTTP API sends and receives, as plain types: no imports, no runtime code.
 *
 * One definition for both ends. The server depends on the browser app at run time (it serves its
 * bundle), so the browser app (apps/web) cannot depend on the server; it imports this file with
 * `import type` only (a lint rule refuses any other import of the server there), which leaves no
 * trace in its bundle. schemas.ts checks at compile time that each type here is exactly what the
 * zod schema that validates and documents it accepts or returns.
 */

export type ModelKind = 'chars' | 'forecast' | 'panel';

/** What a model needs in a request (the `input` of a model description). */
export type InputContract =
  | { kind: 'chars'; vocabulary: string[] }
  | {
      kind: 'forecast';
      features: string[];
      target: string;
      window: number;
      horizon: number;
      season: number;
      /** Rows of history a forecast request needs (the window, or season + 1 when larger). */
      context: number;
      /** The training CSV listed its newest row first; `POST /v1/csv` with `model` reads files so. */
      newestFirst: boolean;
    }
  | {
      kind: 'panel';
      target: string;
      /** Steps the model forecasts directly (at most this many per request). */
      horizon: number;
      season: number;
      /** Columns each row must carry and the future-known ones each `future` row must carry; absent: the target alone. */
      covariates?: { past: string[]; future: string[]; static: string[]; calendar: string[] };
    };

/**
 * A forecasting model's validation score against its baselines (lower is better for both
 * metrics): one-step MASE on a per-series forecaster's validation rows, OWA relative to Naive2
 * (Naive2 = 1) on the last horizon of a panel model's training series.
 */
export interface ModelQuality {
  metric: 'mase' | 'owa';
  /** Where the score was measured; null when the model kept no validation stretch. */
  on: string | null;
  /** The served forecasts' score; null when unknown. */
  model: number | null;
  /** Each baseline's score on the same stretch. */
  baselines: Record<string, number>;
  /** What the served forecasts are: the network, a mix, or a baseline's own forecasts. */
  ships: string;
  /** Panel models: the forecasts scored worse than Naive2 on the validation stretch. */
  worseThanNaive2?: boolean;
  /** The above in one sentence. */
  summary: string;
}

/** `GET /v1/models/{name}`, and each item of `GET /v1/models`. */
export interface ModelDescription {
  name: string;
  kind: ModelKind;
  version: number;
  versions: number[];
  created: string;
  metrics: Record<string, unknown>;
  input: InputContract;
  /** Validation score against the baselines; null for chars models. */
  quality: ModelQuality | null;
}

export interface ModelList {
  models: ModelDescription[];
}

/** `POST /v1/models/{name}/next`. */
export interface NextRequest {
  text: string;
  top?: number;
}

/** A candidate next character and its probability. */
export interface NextChar {
  char: string;
  p: number;
}

export interface NextResponse {
  next: NextChar[];
}

/** `POST /v1/models/{name}/generate`. */
export interface GenerateRequest {
  prefix: string;
  length: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
}

export interface GenerateResponse {
  text: string;
}

/** `POST /v1/models/{name}/forecast` of a per-series model. */
export interface SeriesForecastRequest {
  rows: Record<string, number>[];
  steps?: number;
}

/** `POST /v1/models/{name}/forecast` of a panel model. */
export interface PanelForecastRequest {
  /** `times`: the rows' time cells (dates or integers), oldest first; the answer then has the forecast `dates`. */
  /** `future`: one row per forecast step with the model's future-known columns (models trained with them). */
  series: { id: string; rows: Record<string, number | string>[]; times?: string[]; future?: Record<string, number | string>[] }[];
  steps?: number;
}

export interface SeriesForecastResponse {
  forecast: number[];
}

export interface Interval {
  lower: number[];
  upper: number[];
}

export interface PanelForecastResponse {
  target: string;
  steps: number;
  /** `dates`: the forecast steps' times, following the request's `times` at the series' own frequency. */
  forecasts: { id: string; dates?: string[]; values: number[]; intervals?: { '80': Interval; '95': Interval } }[];
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/**
 * Every job state. `satisfies` refuses a state this file does not know; a missing one fails the build
 * too, because the job schema's enum (schemas.ts) is this list and is checked against JobRecord.
 */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const satisfies readonly JobState[];
/** States a job never leaves. */
export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export type JobKind = 'chars' | 'forecast' | 'panel';

/** `GET /v1/jobs/{id}` (and the 202 of `POST /v1/jobs`, and each server-sent event's data); also what the server stores in `<models>/.jobs/<id>.json`. */
export interface JobRecord {
  id: string;
  name: string;
  kind: JobKind;
  /** Panel jobs: the registered model kind trained (`GET /v1/model-kinds`); absent for the global model in records from before. */
  modelKind?: string;
  state: JobState;
  /** ISO times. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Training steps finished (0 before the first) and planned: epochs of a chars or forecast job, optimizer steps of a panel job (`unit` says which). */
  step: number;
  steps: number;
  /** What a step is: `epoch` (chars and forecast jobs) or `step` (an optimizer step: panel jobs); a model kind may report its own. */
  unit: string;
  /** @deprecated the same as `step` (it counts optimizer steps for a panel job too); removed in the next release. */
  epoch: number;
  /** @deprecated the same as `steps`; removed in the next release. */
  epochs: number;
  /** Training loss after the last finished step. */
  loss: number | null;
  /** Training time so far, and the estimated time left, in ms. */
  elapsedMs: number;
  etaMs: number | null;
  /** The training options, as given. */
  options: Record<string, unknown>;
  /** Set once the model is published. */
  model: { name: string; version: number } | null;
  /** Set when the job failed / was interrupted. */
  error: { code: string; message: string } | null;
  /**
   * Finished panel jobs: `time` when the time budget (options.minutes) ended the training before
   * its planned `steps` (the record's `step` is then below `steps`), `steps` when it ran them all.
   */
  stoppedBy?: 'steps' | 'time';
}

export interface JobList {
  jobs: JobRecord[];
}

/** `GET /v1/model-kinds`: the panel model kinds a job can train, the default first. */
export interface ModelKindList {
  kinds: {
    kind: string;
    name: string;
    summary: string;
    default: boolean;
    /** JSON Schema of the job's `options` for this kind (`properties.<option>.default`, `minimum`, `description`, …). */
    options: Record<string, unknown>;
  }[];
}

/** One series of a parsed file (`POST /v1/csv`). */
export interface ParsedSeries {
  /** The id column's value, or null for a file of one series. */
  id: string | null;
  rows: number;
  dates: string[] | null;
  /** 1-based file line of each row. */
  lines: number[];
  values: Record<string, number[]>;
  /** A panel model's text (categorical) covariate columns: each row's level name. */
  labels?: Record<string, string[]>;
  /** With `future` in the request: the next `steps` values of the model's future-known columns. */
  future?: Record<string, (number | string)[]>;
}

/** What `POST /v1/csv` answers. */
export interface ParsedCsv {
  columns: string[];
  dateColumn: string | null;
  idColumn: string | null;
  /** Text columns (no numeric cell): candidates for the id column. */
  ignored: string[];
  delimiter: string;
  droppedRows: number;
  series: ParsedSeries[];
}

/** `GET /health`. */
export interface Health {
  status: 'ok';
  backend: string;
  models: number;
  /** `mode`: embedded (this server trains) or queue (workers on a Redis queue do). */
  jobs: { running: number; queued: number; mode: 'embedded' | 'queue' };
  uptimeSeconds: number;
}
