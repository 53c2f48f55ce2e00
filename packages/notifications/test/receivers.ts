import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { verifyWebhookSignature } from '../src/signature.ts';

export type ReceivedMail = { to: string[]; raw: string };

/** A real SMTP server on a free port that keeps every message it accepts. */
export async function startSmtpReceiver(): Promise<{ url: string; mails: ReceivedMail[]; close: () => Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        raw += chunk;
      });
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type ReceivedHook = { headers: IncomingHttpHeaders; body: string; json: Record<string, unknown>; verified: boolean };

/**
 * A real HTTP receiver that checks X-KPI-Signature against the secret it is given, as a user's
 * endpoint would. `status` decides what it answers (503 while "down"; 0 holds the request unanswered,
 * counted in `held`). Only requests answered 2xx are kept in `hooks`: those are the delivered ones.
 */
export async function startWebhookReceiver(secretOf: () => string): Promise<{
  url: string;
  hooks: ReceivedHook[];
  status: { code: number; held: number; refused: number };
  close: () => Promise<void>;
}> {
  const hooks: ReceivedHook[] = [];
  const status = { code: 200, held: 0, refused: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      if (status.code === 0) {
        status.held++;
        return;
      }
      if (status.code >= 300) status.refused++;
      if (status.code >= 200 && status.code < 300) {
        const header = String(req.headers['x-kpi-signature'] ?? '');
        const verified = verifyWebhookSignature(secretOf(), header, body, {
          nowSeconds: Number(/t=(\d+)/.exec(header)?.[1] ?? 0),
        });
        hooks.push({ headers: req.headers, body, json: JSON.parse(body) as Record<string, unknown>, verified });
      }
      res.statusCode = status.code;
      res.end(status.code < 300 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hooks,
    status,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
