// GA4 and Sheets are one Google Cloud project: their calls share GOOGLE_MAX_CONCURRENCY. With a cap of 1
// and both fakes answering in 100 ms, three reports and three Sheet reads started together run one at a
// time (at least 600 ms); two separate caps would let them overlap (about 300 ms).
import { sql, withService } from '@kpi/db';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGa4Report } from '../src/ga4.ts';
import type { HttpResponse } from '../src/http.ts';
import { deploymentGate } from '../src/provider-gate.ts';
import { providerBudgets } from '../src/provider-slots.ts';
import { sheetsApi } from '../src/sheets.ts';
import { type Fakes, fakeSettings, startFakes } from './support.ts';

const TOKEN = 'ya29.fake-gate-access-token';

describe.each(BACKENDS)('the Google budget on %s', (backend) => {
  let database: TestDatabase;
  let fakes: Fakes;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    fakes = await startFakes();
    fakes.google.accessTokens.add(TOKEN);
    fakes.sheets.addSpreadsheet('gate-sheet', ['GA4']);
    fakes.google.server.load.latencyMs = 100;
    fakes.sheets.server.load.latencyMs = 100;
  });
  afterAll(async () => {
    await fakes?.close();
    await database?.dispose();
  });

  it('GA4 reports and Sheets calls share one cap', async () => {
    await withService(database.db, (tx) => tx.execute(sql`DELETE FROM provider_slots`));
    const base = { ...fakeSettings(fakes), providerLimits: { meta: 5, google: 1, shopify: 5 } };
    const settings = { ...base, gate: deploymentGate(database.db, base) };
    const call = (send: (token: string) => Promise<HttpResponse>) => send(TOKEN);
    const sheet = sheetsApi(settings, call, 'gate-sheet');
    const started = Date.now();
    await Promise.all([
      ...[1, 2, 3].map(() => runGa4Report(settings, call, { propertyId: '42', startDate: '2026-08-10', endDate: '2026-08-10' })),
      ...[1, 2, 3].map(() => sheet.get("'GA4'!A:A")),
    ]);
    const elapsed = Date.now() - started;
    expect(fakes.google.server.load.maxInFlight).toBe(1);
    expect(fakes.sheets.server.load.maxInFlight).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(600);
    expect(await providerBudgets(database.db)).toContainEqual({ provider: 'google', in_use: 0, limit: 1 });
  });
});
