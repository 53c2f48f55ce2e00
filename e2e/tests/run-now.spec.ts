import { expect, test } from '@playwright/test';
import { openSource, scheduleCard, screenshot, signIn } from '../support/app.ts';

test('"Run now" shows the job, then its success; history and sample KPIs follow', async ({ page }) => {
  await signIn(page, 'runner', '/runs');
  await expect(page.locator('#runs').getByText('No runs yet')).toBeVisible();
  await page.goto('/');
  await expect(page.locator('#kpis').getByText('No KPIs yet')).toBeVisible();
  await openSource(page, 'ga4');

  const card = scheduleCard(page, 'Google Analytics 4');
  await card.getByRole('button', { name: 'Run now' }).click();
  const status = card.locator('.run-now-status');
  await expect(status).toContainText(/Job job-\d+/);
  const jobId = (await status.locator('code').textContent()) ?? '';
  // The scheduler worker in the server takes the queued run within about a second.
  await expect(status.locator('.badge')).toHaveText('succeeded', { timeout: 20_000 });
  await expect(card.getByRole('button', { name: 'Run now' })).toBeEnabled();
  await expect(card.locator('.facts')).toContainText('Succeeded');

  await page.goto('/runs');
  const row = page.locator(`#runs tr[data-job="${jobId}"]`);
  await expect(row).toBeVisible();
  await expect(row.locator('td[data-label="Status"]')).toHaveText(/succeeded/);
  // The trigger, then the source days the run fetched.
  await expect(row.locator('td[data-label="Trigger"]')).toHaveText(/^manualdays \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}$/);
  await expect(row.locator('td[data-label="Source"]')).toHaveText('Google Analytics 4');

  // Filters: the run is found under its service and status, and not under another; the URL keeps them.
  const runs = page.locator('#runs');
  await runs.getByRole('combobox', { name: 'Status' }).selectOption('failed');
  await expect(runs.getByText('No runs match these filters.')).toBeVisible();
  await expect(page).toHaveURL(/\/runs\?status=failed$/);
  await runs.getByRole('combobox', { name: 'Status' }).selectOption('succeeded');
  await runs.getByRole('combobox', { name: 'Data source' }).selectOption('ga4');
  await expect(row).toBeVisible();
  await expect(page).toHaveURL(/\/runs\?service=ga4&status=succeeded$/);
  await page.reload();
  await expect(row).toBeVisible();
  await expect(runs.getByRole('combobox', { name: 'Data source' })).toHaveValue('ga4');
  await page.goBack();
  await expect(runs.getByRole('combobox', { name: 'Data source' })).toHaveValue('');

  // The run's page says why it ran and how it went.
  await page.goto(`/runs/${jobId.replace('job-', '')}`);
  await expect(page.getByRole('heading', { name: `Run ${jobId}`, level: 1 })).toBeVisible();
  const facts = page.locator('.run-detail .facts');
  await expect(facts).toContainText('Manual: someone pressed "Run now" or called the API');
  await expect(page.locator('.timeline-step strong').last()).toHaveText(/^Succeeded in/);
  await screenshot(page, 'run-page-desktop');

  await page.goto('/');
  const kpi = page.getByRole('article', { name: 'Google Analytics 4 KPIs' });
  await expect(kpi).toBeVisible();
  await expect(kpi.getByText('Sample data')).toBeVisible();
  await expect(page.getByRole('article', { name: 'Google Analytics 4', exact: true }).locator('[data-state]')).toHaveText(
    '◐ Sample data',
  );
  await screenshot(page, 'run-succeeded-overview');
  await page.goto('/runs?service=ga4&status=succeeded');
  await screenshot(runs, 'run-history');
  await page.setViewportSize({ width: 375, height: 812 });
  await expect(row.locator('td[data-label="Status"]')).toBeVisible();
  await screenshot(runs, 'mobile-run-history');
  await openSource(page, 'ga4');
  await screenshot(card, 'mobile-run-now');
});
