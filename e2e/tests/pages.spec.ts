import { expect, type Page, test } from '@playwright/test';
import { expectAccessible, screenshot, signIn } from '../support/app.ts';

const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'mobile', width: 375, height: 812 },
] as const;

/** Queues a manual run over REST (as a script would) and waits until the server has finished it. */
async function finishedRun(page: Page, service: string): Promise<number> {
  const response = await page.request.post(`/api/schedules/${service}/run`, { data: {} });
  expect(response.ok()).toBe(true);
  const { data } = (await response.json()) as { data: { jobId: string } };
  const id = Number(data.jobId.replace('job-', ''));
  await expect
    .poll(
      async () => {
        const run = await page.request.get(`/api/runs/${id}`);
        return ((await run.json()) as { data: { status: string } }).data.status;
      },
      { timeout: 20_000 },
    )
    .toBe('succeeded');
  return id;
}

/** Opens a page, waits until it has loaded, checks it with axe, and keeps a screenshot of it. */
async function checkPage(page: Page, path: string, name: string, heading: string): Promise<void> {
  for (const size of WIDTHS) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await expect(page.locator('.spinner')).toHaveCount(0);
    await expectAccessible(page);
    await screenshot(page, `page-${name}-${size.name}`);
  }
}

test('every page loads, passes axe at desktop and 375 px width, and is kept as a screenshot', async ({ page }) => {
  await signIn(page, 'pages');
  const runId = await finishedRun(page, 'shopify');
  await checkPage(page, '/', 'overview', 'Overview');
  await expect(page.getByRole('article', { name: 'Shopify', exact: true }).locator('[data-state]')).toHaveText('◐ Sample data');
  await checkPage(page, '/sources/shopify', 'source', 'Shopify');
  // The one stored day has no stored neighbour to draw a line to, so it is drawn as a dot.
  await expect(page.locator('figure.chart').first().locator('[data-isolated]')).toHaveCount(1);
  await checkPage(page, '/runs', 'runs', 'Runs');
  await checkPage(page, `/runs/${runId}`, 'run', `Run job-${runId}`);
  await checkPage(page, '/connections', 'connections', 'Connections');
  await checkPage(page, '/notifications', 'notifications', 'Notifications');
  await checkPage(page, '/tokens', 'tokens', 'API tokens');
  await checkPage(page, '/account', 'account', 'Account');
  await checkPage(page, '/nowhere', 'not-found', 'Not found');
});

test('the sign-in page passes axe at both widths', async ({ page }) => {
  for (const size of WIDTHS) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expectAccessible(page);
  }
});

test('the KPI range is part of the source page URL', async ({ page }) => {
  await signIn(page, 'pages', '/sources/meta?days=90');
  const ninety = page.getByRole('radio', { name: '90 days' });
  await expect(ninety).toBeChecked();
  await page.getByText('365 days').click();
  await expect(page).toHaveURL(/\/sources\/meta\?days=365$/);
  await page.reload();
  await expect(page.getByRole('radio', { name: '365 days' })).toBeChecked();
});

test('an administrator sees the Admin page; a user gets no link, and the server refuses them', async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, 'admin');
  await admin.getByRole('navigation', { name: 'Pages', exact: true }).getByRole('link', { name: 'Admin' }).click();
  await expect(admin.getByRole('heading', { name: 'Admin', level: 1 })).toBeVisible();
  await expect(admin.getByRole('heading', { name: "This instance's scheduler" })).toBeVisible();
  await expect(admin.locator('.spinner')).toHaveCount(0);
  await checkPage(admin, '/admin', 'admin', 'Admin');
  await adminContext.close();

  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await signIn(user, 'pages');
  await expect(user.getByRole('navigation', { name: 'Pages', exact: true }).getByRole('link', { name: 'Admin' })).toHaveCount(0);
  await user.goto('/admin');
  await expect(user.getByText('Only administrators can open this page.')).toBeVisible();
  const refused = await user.request.get('/trpc/scheduler.stats');
  expect(refused.status()).toBe(403);
  await userContext.close();
});
