import { expect, type Page, test } from '@playwright/test';
import { screenshot, signIn } from '../support/app.ts';

type HistoryAnswer = { data: { days: Array<{ date: string; metrics: Record<string, number> | null; run_id: number | null }> } };

/** The browser's calendar day `daysAgo` days back (the page draws its ranges in the browser's days). */
function browserDay(page: Page, daysAgo: number): Promise<string> {
  return page.evaluate((back) => {
    const now = new Date();
    const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() - back);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
  }, daysAgo);
}

/** Queues a backfill over REST (as a script would) and waits until the server has finished it. */
async function finishedBackfill(page: Page, service: string, from: string, to: string): Promise<number> {
  const response = await page.request.post(`/api/schedules/${service}/backfill`, { data: { from, to } });
  expect(response.status()).toBe(202);
  const { data } = (await response.json()) as { data: { jobId: string } };
  const id = Number(data.jobId.replace('job-', ''));
  await expect
    .poll(async () => ((await (await page.request.get(`/api/runs/${id}`)).json()) as { data: { status: string } }).data.status, {
      timeout: 30_000,
    })
    .toBe('succeeded');
  return id;
}

test('stored days show as charts, as a table with the stored figures, and in the overview coverage strip', async ({ page }) => {
  await signIn(page, 'charts');
  const from = await browserDay(page, 8);
  const to = await browserDay(page, 2);
  const runId = await finishedBackfill(page, 'meta', from, to);
  const history = (await (
    await page.request.get(`/api/kpis/history?service=meta&from=${from}&to=${to}`)
  ).json()) as HistoryAnswer;
  const stored = history.data.days;
  expect(stored).toHaveLength(7);
  const metrics = Object.keys(stored[0]?.metrics ?? {});
  expect(metrics.length).toBeGreaterThan(0);

  await page.goto('/sources/meta');
  const charts = page.locator('figure.chart');
  await expect(charts).toHaveCount(metrics.length);
  // Each chart is an SVG line drawn by the chart library once its chunk has loaded.
  await expect(charts.first().locator('svg .recharts-line-curve')).toHaveCount(1);
  await expect(charts.first().locator('[data-isolated]')).toHaveCount(0);

  // The first metric's table holds exactly the stored figures, and yesterday (not backfilled) as missing.
  const metric = metrics[0] ?? '';
  const first = charts.first();
  await first.getByText('Figures as a table').click();
  const format = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
  for (const day of stored) {
    const row = first.locator('tbody tr').filter({ has: page.getByRole('cell', { name: day.date, exact: true }) });
    await expect(row.locator('td').nth(1)).toHaveText(format.format(day.metrics?.[metric] ?? Number.NaN));
  }
  const yesterday = await browserDay(page, 1);
  await expect(
    first
      .locator('tbody tr')
      .filter({ has: page.getByRole('cell', { name: yesterday, exact: true }) })
      .locator('td')
      .nth(1),
  ).toHaveText('missing');
  await expect(first.locator('tbody tr')).toHaveCount(30);
  await screenshot(page, 'source-charts-desktop');

  await page.getByText('90 days').click();
  await expect(first.locator('tbody tr')).toHaveCount(90);

  // The overview: 7 of the last 30 days stored, each cell linking to the backfill that wrote it.
  await page.goto('/');
  const card = page.getByRole('article', { name: 'Meta Ads', exact: true });
  await expect(card.locator('.coverage figcaption')).toHaveText('Last 30 days: 7 of 30 days stored, 23 missing');
  await expect(card.locator('[data-kind="synced"]')).toHaveCount(7);
  await screenshot(card, 'overview-coverage');
  await card.getByRole('link', { name: `${to}: synced` }).click();
  await expect(page.getByRole('heading', { name: `Run job-${runId}`, level: 1 })).toBeVisible();
});
