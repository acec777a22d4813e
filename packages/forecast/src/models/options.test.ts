// The forecasters' options tables: what fit/the constructor accept, their defaults, and the one
// line a bad option gets.
import { SeqcastError } from '@seqcast/core';
import { describe, expect, it } from 'vitest';
import { syntheticAR2 } from '../synthetic.js';
import { SeriesForecaster } from './series-forecaster.js';
import { defaultForecastWindow, resolveForecastOptions } from './series-forecaster-options.js';
import { GlobalForecaster } from './global/forecaster.js';

function failure(fn: () => unknown): SeqcastError {
  try {
    fn();
  } catch (e) {
    return e as SeqcastError;
  }
  throw new Error('did not throw');
}

describe('SeriesForecaster options table', () => {
  it('fills the defaults (the window follows the season)', () => {
    const o = resolveForecastOptions({ target: 'y' });
    expect(o).toMatchObject({ window: 8, horizon: 1, season: 1, epochs: 100, units: 32, cell: 'lstm', learningRate: 0.003, split: 0.8, validation: 0.2 });
    expect(resolveForecastOptions({ target: 'y', season: 12 }).window).toBe(13);
    expect(defaultForecastWindow(4)).toBe(5);
  });

  it('a bad option is one BAD_ARGUMENT line naming the field and the value', async () => {
    const s = syntheticAR2(200, 1);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ target: 'value', split: 1.5 }, 'split', 'split must be between 0 and 1 (received 1.5)'],
      [{ target: 'value', epochs: -1 }, 'epochs', 'epochs must be an integer >= 0 (received -1)'],
      [{ target: 'value', window: 2.5 }, 'window', 'window must be a positive integer (received 2.5)'],
      [{ target: 'value', cell: 'rnn' }, 'cell', 'cell must be one of "lstm", "gru" (received "rnn")'],
      [{ target: 'value', minGain: -0.1 }, 'minGain', 'minGain must be a number >= 0 (received -0.1)'],
      [{}, 'target', 'target must name a numeric column (received undefined)'],
    ];
    for (const [options, where, message] of cases) {
      const e = await SeriesForecaster.fit(s, options as never).then(
        () => null,
        (err: unknown) => err as SeqcastError,
      );
      expect(e).toBeInstanceOf(SeqcastError);
      expect([e!.code, e!.details.where, e!.message]).toEqual(['BAD_ARGUMENT', where, message]);
    }
  });
});

describe('GlobalForecaster options table', () => {
  it('the constructor checks every option before any data is read', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ horizon: 0 }, 'horizon must be a positive integer (received 0)'],
      [{ horizon: 4, minutes: 0 }, 'minutes must be a positive number (received 0)'],
      [{ horizon: 4, learningRate: -1 }, 'learningRate must be a positive number (received -1)'],
      [{ horizon: 4, seed: 0.5 }, 'seed must be an integer (received 0.5)'],
      [{ horizon: 4, members: 0 }, 'members must be a positive integer (received 0)'],
    ];
    for (const [options, message] of cases) {
      const e = failure(() => new GlobalForecaster(options as never));
      expect([e.code, e.message]).toEqual(['BAD_ARGUMENT', message]);
    }
    expect(() => new GlobalForecaster({ horizon: 4, season: 12 })).not.toThrow();
  });
});
