import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSeqcastError } from '@seqcast/core';
import { readCsv } from '@seqcast/data';
import { SeriesForecaster } from '../models/series-forecaster.js';
import { evaluate } from '../protocol/evaluate.js';
import { gaussian } from '../synthetic.js';
import { encodeCategorical, expandFeatures } from './one-hot.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const LEVELS = ['calm', 'north', 'south'];
/** A level that changes now and then, and a target it moves: y[t+1] = 0.5 y[t] + effect(level[t]) + noise. */
function windyCsv(rows: number, seed: number): string {
  const g = gaussian(seed);
  const effect: Record<string, number> = { calm: 0, north: -3, south: 3 };
  const lines = ['Date,y,wind'];
  let level = 'calm';
  let y = 0;
  for (let t = 0; t < rows; t++) {
    if (t % 7 === 3) level = LEVELS[Math.floor(Math.abs(g() * 10)) % 3]!;
    lines.push(`${new Date(Date.UTC(2020, 0, 1 + t)).toISOString().slice(0, 10)},${y.toFixed(3)},${level}`);
    y = 0.5 * y + effect[level]! + 0.3 * g();
  }
  return lines.join('\n') + '\n';
}

describe('one-hot encoding of categorical features', () => {
  it('k-1 indicator columns (the first level is the reference); unseen levels fail with the file line unless ignored', async () => {
    const s = await readCsv({ text: 'v,wind\n1,NE\n2,SE\n3,cv\n4,XX\n' }, { categorical: ['wind'] });
    expect(expandFeatures(['v', 'wind'], { wind: ['NE', 'SE', 'cv'] })).toEqual(['v', 'wind=SE', 'wind=cv']);
    let err: unknown;
    try {
      encodeCategorical(s, { wind: ['NE', 'SE', 'cv'] });
    } catch (e) {
      err = e;
    }
    expect(isSeqcastError(err) && err.message).toBe(
      '<text>:5: column "wind" has level "XX", not seen in training (levels: NE, SE, cv); pass --unknown-level ignore to encode it as "NE"',
    );
    const e = encodeCategorical(s, { wind: ['NE', 'SE', 'cv'] }, 'ignore');
    expect(Array.from(e.values['wind=SE']!)).toEqual([0, 1, 0, 0]);
    expect(Array.from(e.values['wind=cv']!)).toEqual([0, 0, 1, 0]);
  });

  it('SeriesForecaster.fit uses a categorical feature, saves its levels, and beats a model without it', async () => {
    const text = windyCsv(600, 5);
    const s = await readCsv({ text }, { categorical: ['wind'] });
    const withWind = await SeriesForecaster.fit(s, { target: 'y', features: ['y', 'wind'], epochs: 0 });
    const without = await SeriesForecaster.fit(s, { target: 'y', epochs: 0 });
    const dir = await mkdtemp(path.join(tmpdir(), 'seqcast-onehot-'));
    dirs.push(dir);
    try {
      expect(withWind.info.categorical).toEqual({ wind: LEVELS });
      expect(withWind.info.features).toEqual(['y', 'wind=north', 'wind=south']);
      const a = evaluate(withWind, s).metrics;
      const b = evaluate(without, s).metrics;
      expect(a.model.rmse).toBeLessThan(0.8 * b.model.rmse);
      await withWind.save(dir);
      const loaded = await SeriesForecaster.load(dir);
      try {
        // The saved levels encode a later file (read with other codes: no "calm" in it) the same way.
        const later = await readCsv(
          {
            text: text
              .split('\n')
              .filter((l) => !l.endsWith(',calm'))
              .join('\n'),
          },
          { categorical: ['wind'] },
        );
        expect(loaded.forecast(loaded.rowsOf(later), 1)).toEqual(withWind.forecast(withWind.rowsOf(later), 1));
      } finally {
        loaded.dispose();
      }
    } finally {
      withWind.dispose();
      without.dispose();
    }
  });
});
