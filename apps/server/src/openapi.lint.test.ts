// The OpenAPI document the server serves passes Redocly's `recommended` rules (public operations
// say `security: []`, every operation has a 4XX response, a license, …): linted as served, with
// warnings counted as failures, so a new route cannot slip in undocumented.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from './server.js';

const require = createRequire(import.meta.url);

describe('served OpenAPI document', () => {
  it('passes redocly lint --extends=recommended with no error and no warning', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seqcast-openapi-'));
    const server = await startServer({ modelsDir: dir, port: 0, logger: false });
    try {
      const doc = await fetch(`${server.url}/openapi.json`).then((r) => r.text());
      const file = path.join(dir, 'openapi.json');
      writeFileSync(file, doc);
      const cli = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');
      const r = spawnSync(process.execPath, [cli, 'lint', file, '--extends=recommended', '--format=json'], {
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        timeout: 60_000,
      });
      const report = JSON.parse(r.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
      expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
      expect(r.status).toBe(0);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
