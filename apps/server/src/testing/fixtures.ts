/**
 * Test fixtures: tiny REAL models (trained in a second or so) in a temp models directory, and
 * a raw HTTP client that sends paths exactly as written (fetch would normalise `..`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { CharLM } from '@seqcast/core';
import { SeriesForecaster, syntheticStockSeries, type Series } from '@seqcast/forecast';

export const HIHELLO = 'hihello';

export function tmpDir(prefix = 'seqcast-server-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The lecture's hihello model, trained for real (seqLength 6). */
export async function trainHihello(): Promise<CharLM> {
  return CharLM.train(HIHELLO, { seqLength: 6, epochs: 60, learningRate: 0.1, seed: 777 });
}

/** A small forecaster on a synthetic stock series (features Close + Volume, horizon 2). */
export async function trainStock(rows = 400): Promise<{ model: SeriesForecaster; series: Series }> {
  const series = syntheticStockSeries(rows, 1);
  const model = await SeriesForecaster.fit(series, { target: 'Close', features: ['Close', 'Volume'], window: 10, horizon: 2, epochs: 3, seed: 1 });
  return { model, series };
}

/** Rows `[from, to)` of a series as request objects. */
export function rowsOf(series: Series, columns: string[], from: number, to: number): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (let i = from; i < to; i++) out.push(Object.fromEntries(columns.map((c) => [c, series.values[c]![i]!])));
  return out;
}

/** A series as CSV text (date column first). */
export function seriesCsv(series: Series): string {
  const lines = [['Date', ...series.columns].join(',')];
  for (let i = 0; i < series.rows; i++) {
    lines.push([series.dates?.[i] ?? String(i), ...series.columns.map((c) => String(series.values[c]![i]))].join(','));
  }
  return lines.join('\n') + '\n';
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

/** One request with the path sent byte for byte. */
export function raw(url: string, method: string, pathname: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: pathname,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

type OpenApiDoc = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
};

/**
 * Validates response bodies against the server's own /openapi.json (ajv, JSON Schema 2020-12).
 * `check` fails when the status / content type is undocumented or the body does not match.
 */
export async function openApiChecker(url: string): Promise<{
  doc: OpenApiDoc & { openapi: string };
  check(tpl: string, method: string, status: number, contentType: string, body: unknown): string | null;
}> {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as OpenApiDoc & { openapi: string };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: 'openapi' });
  const seg = (s: string) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));
  return {
    doc,
    check(tpl, method, status, contentType, body) {
      const ctype = contentType.split(';')[0]!.trim();
      const res = doc.paths[tpl]?.[method]?.responses[String(status)];
      if (!res) return `${method} ${tpl} ${status} is not documented`;
      if (!res.content?.[ctype]) return `${method} ${tpl} ${status} ${ctype} is not documented`;
      const validate = ajv.getSchema(`openapi#/paths/${seg(tpl)}/${method}/responses/${status}/content/${seg(ctype)}/schema`);
      if (!validate) return `no schema for ${method} ${tpl} ${status}`;
      return validate(body) ? null : `${method} ${tpl} ${status}: ${ajv.errorsText(validate.errors)}`;
    },
  };
}
