import nodemailer from 'nodemailer';

export type Mailer = {
  send(message: { to: string; subject: string; text: string; html: string }): Promise<void>;
  close(): void;
};

/** The same bound as a webhook's: a stalled SMTP server must not hold a delivery past its lease. */
const SMTP_TIMEOUT_MS = 10_000;

/** Sends through `SMTP_URL` (`smtp://user:pass@host:port`, `smtps://` for TLS from the first byte). */
export function createMailer(options: { smtpUrl: string; from: string }): Mailer {
  const transport = nodemailer.createTransport({
    url: options.smtpUrl,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    async send(message) {
      await transport.sendMail({ from: options.from, ...message });
    },
    close: () => transport.close(),
  };
}
