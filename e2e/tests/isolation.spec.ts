import { expect, test } from '@playwright/test';
import { openSource, scheduleCard, screenshot, signIn } from '../support/app.ts';

test("a second user never sees the first user's schedules or runs", async ({ browser }) => {
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await signIn(owner, 'owner');
  await openSource(owner, 'shopify');
  const shopify = scheduleCard(owner, 'Shopify');
  await shopify.getByRole('switch').check();
  await shopify.getByRole('combobox', { name: 'Frequency' }).selectOption('hourly');
  await shopify.getByRole('spinbutton', { name: 'Minute past the hour' }).fill('15');
  await shopify.getByRole('combobox', { name: 'Time zone' }).selectOption('Asia/Tokyo');
  await shopify.getByRole('button', { name: 'Save' }).click();
  await expect(shopify.getByText('Saved.')).toBeVisible();
  await shopify.getByRole('button', { name: 'Run now' }).click();
  await expect(shopify.locator('.run-now-status .badge')).toHaveText(/queued|running|succeeded/);
  const jobId = (await shopify.locator('.run-now-status code').textContent()) ?? '';
  const runId = Number(jobId.replace('job-', ''));
  await owner.goto('/runs');
  await expect(owner.locator(`#runs tr[data-job="${jobId}"]`)).toBeVisible();

  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other, 'other');
  await openSource(other, 'shopify');
  const theirs = scheduleCard(other, 'Shopify');
  await expect(theirs.getByRole('textbox', { name: 'Cron expression' })).toHaveValue('0 2 * * *');
  await expect(theirs.getByRole('switch')).not.toBeChecked();
  await expect(theirs.getByTestId('next-run')).toHaveText('Not scheduled (disabled)');
  // Their run page is "not found", not a leak.
  await other.goto(`/runs/${runId}`);
  await expect(other.getByText(`Run ${runId} does not exist, or is not yours.`)).toBeVisible();
  await other.goto('/runs');
  await expect(other.locator('#runs').getByText('No runs yet')).toBeVisible();
  await expect(other.locator('#runs tbody tr')).toHaveCount(0);
  await other.goto('/');
  await expect(other.locator('#kpis').getByText('No KPIs yet')).toBeVisible();
  await screenshot(other, 'isolation-second-user');

  // Asking for the owner's run by id is "not found", not a leak.
  const input = encodeURIComponent(JSON.stringify({ id: runId }));
  const response = await other.request.get(`/trpc/runs.byId?input=${input}`);
  expect(response.status()).toBe(404);
  const schedules = await other.request.get('/api/schedules');
  const body = (await schedules.json()) as { data: Array<{ service: string; cron: string; timezone: string }> };
  expect(body.data.find((s) => s.service === 'shopify')).toMatchObject({ cron: '0 2 * * *', timezone: 'Asia/Kolkata' });

  await ownerContext.close();
  await otherContext.close();
});
