import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

describe('notification settings from the environment', () => {
  it('defaults: no e-mail, public https webhooks only, pause after 5 failures', () => {
    expect(loadConfig({}).notifications).toEqual({ smtp: undefined, webhookAllowPrivate: false, pauseAfterFailures: 5 });
  });

  it('reads SMTP_URL with MAIL_FROM, WEBHOOK_ALLOW_PRIVATE and PAUSE_AFTER_FAILURES', () => {
    const config = loadConfig({
      SMTP_URL: 'smtps://kpi:secret@mail.example.com:465',
      MAIL_FROM: 'KPI Sync <kpi@example.com>',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      PAUSE_AFTER_FAILURES: '0',
    });
    expect(config.notifications).toEqual({
      smtp: { smtpUrl: 'smtps://kpi:secret@mail.example.com:465', from: 'KPI Sync <kpi@example.com>' },
      webhookAllowPrivate: true,
      pauseAfterFailures: 0,
    });
  });

  it.each([
    [{ SMTP_URL: 'http://mail.example.com' }, /SMTP_URL must look like smtp:/],
    [{ SMTP_URL: 'smtp://mail.example.com:25' }, /MAIL_FROM: required when SMTP_URL is set/],
    [{ SMTP_URL: 'smtp://mail.example.com:25', MAIL_FROM: 'nobody' }, /MAIL_FROM must be an address/],
    [{ WEBHOOK_ALLOW_PRIVATE: 'yes' }, /WEBHOOK_ALLOW_PRIVATE/],
    [{ PAUSE_AFTER_FAILURES: '-1' }, /PAUSE_AFTER_FAILURES/],
    [{ PAUSE_AFTER_FAILURES: 'many' }, /PAUSE_AFTER_FAILURES/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
