// `forecast train` says, in one line, what it shipped for each group of series by history length
// when a group's own combination with Naive2/Theta was measured to beat the panel-wide one.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@seqcast/core';
import { groupsShipped, type Combination, type Naive2Verdict } from '@seqcast/forecast';
import { verdictLine } from './forecast-panel.js';
import { runCli } from '../testing/run-cli.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const H = 6;

/** 70 short noisy trends (Theta's) and 140 longer period-6 cycles (the network's), as a panel CSV. */
function mixedCsv(): string {
  const rand = seededRandom(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const lines = ['id,y'];
  for (let i = 0; i < 210; i++) {
    const short = i < 70;
    const n = short ? 18 + Math.floor(rand() * 6) + H : (i % 2 === 0 ? 60 : 120) + Math.floor(rand() * 20) + H;
    const level = 50 + 50 * rand();
    const slope = (rand() < 0.5 ? -1 : 1) * (0.5 + rand());
    const phase = rand() * 2 * Math.PI;
    for (let t = 0; t < n; t++) {
      const y = short ? level + slope * t + 3 * gauss() : level + 10 * Math.sin((2 * Math.PI * t) / 6 + phase) + 0.3 * gauss();
      lines.push(`s${String(i).padStart(3, '0')},${y.toFixed(4)}`);
    }
  }
  return lines.join('\n') + '\n';
}

describe('forecast train with length groups (built CLI)', () => {
  it('prints one line naming each length group and what it ships, as the saved model records', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seqcast-cli-groups-'));
    dirs.push(dir);
    const csv = path.join(dir, 'mixed.csv');
    await writeFile(csv, mixedCsv());
    const out = path.join(dir, 'm');
    const flags = ['--members', '1', '--steps', '300', '--units', '16', '--batch-size', '32', '--seed', '3'];
    const r = runCli([
      'forecast',
      'train',
      '--csv',
      csv,
      '--id-column',
      'id',
      '--target',
      'y',
      '--horizon',
      String(H),
      '--season',
      '1',
      ...flags,
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const meta = JSON.parse(await readFile(path.join(out, 'seqcast.json'), 'utf8')) as { extra: { info: { combination: Combination } } };
    const c = meta.extra.info.combination;
    expect(c.groups?.[0]).toMatchObject({ partner: 'theta', own: true });
    const line = r.stdout.split('\n').filter((l) => l.startsWith('forecasts by history length'));
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(
      /^forecasts by history length, each group's as it scored on the validation stretch \(network alone: OWA [\d.]+\): ≤ \d+ values: Theta alone \(OWA [\d.]+; panel-wide choice [\d.]+\); \d+–\d+ values: network; > \d+ values: network\.$/,
    );
    expect(line[0]).toContain(groupsShipped(c));
  }, 120_000);

  it("never says the forecasts are Naive2's when a length group ships something else", () => {
    const same: Naive2Verdict = { verdict: 'same', owa: 0.99, low: 0.95, high: 1.03 };
    const grouped: Combination = {
      partner: 'naive2',
      weight: 0,
      groups: [
        { maxLength: 30, series: 60, partner: 'naive2', weight: 0, own: false, owa: 1, panelOwa: 1 },
        { maxLength: null, series: 60, partner: 'theta', weight: 0.5, own: true, owa: 0.9, panelOwa: 1 },
      ],
    };
    expect(verdictLine(same, grouped, 'here')).toBe('no measurable difference from Naive2 here (OWA 0.990, 90% band 0.950–1.030 over series).');
    const worse = verdictLine({ verdict: 'worse', owa: 1.2, low: 1.1, high: 1.3 }, grouped, 'here');
    expect(worse).toContain(
      'the forecasts shipped are by history length, ≤ 30 values: Naive2 alone; > 30 values: network 0.5 + Theta 0.5 (OWA 0.900; panel-wide choice 1.000)',
    );
  });
});
