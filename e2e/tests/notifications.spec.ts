import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { expectAccessible, screenshot, signIn } from '../support/app.ts';

type Received = { headers: IncomingHttpHeaders; body: string };

test('webhook settings are saved, the secret is shown once, and the test message arrives signed with it', async ({ page }) => {
  const received: Received[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/kpi-events`;
  try {
    await signIn(page, 'notifier', '/notifications');
    await page.getByLabel('Webhook URL').fill(url);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('output')).toHaveText('Saved.');
    const secret = (await page.locator('.notice-secret code').textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(20);
    await expectAccessible(page);
    await screenshot(page, 'notifications-saved-desktop');

    await page.getByRole('button', { name: 'Send a test' }).click();
    await expect(page.getByRole('list', { name: 'Test results' })).toContainText('Webhook:');
    await expect.poll(() => received.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const message = received[0] as Received;
    expect(message.headers['content-type']).toContain('application/json');
    const signature = String(message.headers['x-kpi-signature'] ?? '');
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(signature) ?? [];
    expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${message.body}`).digest('hex'));
    expect(JSON.parse(message.body)).toMatchObject({ id: message.headers['x-kpi-event-id'] });

    // Saved on the server: a reload shows the URL again, and the secret is not shown a second time.
    await page.reload();
    await expect(page.getByLabel('Webhook URL')).toHaveValue(url);
    await expect(page.locator('.notice-secret')).toHaveCount(0);
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
  }
});
