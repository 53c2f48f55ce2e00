import { execFile } from 'node:child_process';
import { createServer as createHttpsServer, globalAgent, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../src/mail.ts';
import { postWebhook } from '../src/webhook.ts';
import { createTestPki, type KeyPair, type TestPki } from './tls-certs.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SEND_MAIL = fileURLToPath(new URL('./fixtures/send-mail.ts', import.meta.url));

type HttpsReceiver = { url: string; bodies: string[]; servernames: Array<string | false | null>; close: () => Promise<void> };

/** A real HTTPS receiver with the given certificate; it records the SNI name each connection asked for. */
async function startHttpsReceiver(pair: KeyPair): Promise<HttpsReceiver> {
  const bodies: string[] = [];
  const servernames: Array<string | false | null> = [];
  const server: HttpsServer = createHttpsServer(pair, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      bodies.push(body);
      res.end('ok');
    });
  });
  server.on('secureConnection', (socket: TLSSocket) => servernames.push(socket.servername));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // A name, not the address: the certificate is checked against it, while the socket goes to 127.0.0.1.
    url: `https://localhost:${port}/hook`,
    bodies,
    servernames,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type SmtpReceiver = { port: number; secure: boolean[]; close: () => Promise<void> };

/** A real SMTP server with a certificate: TLS from the first byte (`secure`), or offered through STARTTLS. */
async function startTlsSmtp(pair: KeyPair, secure: boolean): Promise<SmtpReceiver> {
  const sessions: boolean[] = [];
  const server = new SMTPServer({
    secure,
    ...pair,
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        sessions.push(session.secure);
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    secure: sessions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** createMailer in a process of its own that trusts the test CA the way an operator would: NODE_EXTRA_CA_CERTS. */
async function sendTrustingCa(pki: TestPki, smtpUrl: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', SEND_MAIL], {
      cwd: REPO_ROOT,
      env: { ...process.env, SMTP_URL: smtpUrl, NODE_EXTRA_CA_CERTS: pki.caFile },
    });
    return { ok: true, output: stdout.trim() };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout ?? error).trim() };
  }
}

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(async () => {
  await pki?.remove();
});

describe('webhooks over https', () => {
  const receivers: HttpsReceiver[] = [];
  const open = async (pair: KeyPair) => {
    const receiver = await startHttpsReceiver(pair);
    receivers.push(receiver);
    return receiver;
  };
  // In this process the test CA is trusted through the default agent, which postWebhook's requests use.
  beforeAll(() => {
    globalAgent.options.ca = pki.ca;
  });
  afterAll(async () => {
    delete globalAgent.options.ca;
    globalAgent.destroy();
    await Promise.all(receivers.map((receiver) => receiver.close()));
  });
  const policy = { allowPrivate: true, timeoutMs: 5_000 };

  it('delivers to a certificate for the URL’s host, asking for that name although the socket is pinned to the address', async () => {
    const receiver = await open(pki.localhost);
    const answer = await postWebhook(receiver.url, '{"event":"run.failed"}', {}, policy);
    expect(answer).toEqual({ ok: true, status: 200 });
    expect(receiver.bodies).toEqual(['{"event":"run.failed"}']);
    expect(receiver.servernames).toEqual(['localhost']);
  });

  it('refuses a valid certificate for another host, and sends it nothing', async () => {
    const receiver = await open(pki.elsewhere);
    const answer = await postWebhook(receiver.url, '{"secret":"payload"}', {}, policy);
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/^could not reach the webhook: .*(does not match|altnames)/i);
    expect(receiver.bodies).toEqual([]);
  });

  it('refuses a self-signed certificate, and sends it nothing', async () => {
    const receiver = await open(pki.selfSigned);
    const answer = await postWebhook(receiver.url, '{"secret":"payload"}', {}, policy);
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/self[- ]signed certificate/i);
    expect(receiver.bodies).toEqual([]);
  });

  it('refuses the CA-signed certificate too once the CA is not trusted: nothing turns verification off', async () => {
    const receiver = await open(pki.localhost);
    const ca = globalAgent.options.ca;
    delete globalAgent.options.ca;
    try {
      const answer = await postWebhook(receiver.url, '{}', {}, policy);
      expect(answer.ok).toBe(false);
      expect(answer.error).toMatch(/unable to (verify|get local issuer)/i);
      expect(receiver.bodies).toEqual([]);
    } finally {
      globalAgent.options.ca = ca;
    }
  });
});

describe('e-mail over TLS', () => {
  const servers: SmtpReceiver[] = [];
  const open = async (pair: KeyPair, secure: boolean) => {
    const server = await startTlsSmtp(pair, secure);
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('smtps:// speaks TLS from the first byte to a server whose CA the operator trusts (NODE_EXTRA_CA_CERTS)', async () => {
    const server = await open(pki.localhost, true);
    expect(await sendTrustingCa(pki, `smtps://localhost:${server.port}`)).toEqual({ ok: true, output: 'sent' });
    expect(server.secure).toEqual([true]);
  });

  it('smtp:// upgrades with STARTTLS when the server offers it', async () => {
    const server = await open(pki.localhost, false);
    expect(await sendTrustingCa(pki, `smtp://localhost:${server.port}`)).toEqual({ ok: true, output: 'sent' });
    expect(server.secure).toEqual([true]);
  });

  it('smtps:// refuses a certificate for another host', async () => {
    const server = await open(pki.elsewhere, true);
    const sent = await sendTrustingCa(pki, `smtps://localhost:${server.port}`);
    expect(sent.ok).toBe(false);
    expect(sent.output).toMatch(/does not match|altnames/i);
    expect(server.secure).toEqual([]);
  });

  it('smtps:// refuses a self-signed certificate', async () => {
    const server = await open(pki.selfSigned, true);
    const mailer = createMailer({ smtpUrl: `smtps://localhost:${server.port}`, from: 'kpi@example.test' });
    try {
      await expect(mailer.send({ to: 'ops@example.test', subject: 's', text: 't', html: '<p>t</p>' })).rejects.toThrow(
        /self[- ]signed certificate/i,
      );
    } finally {
      mailer.close();
    }
    expect(server.secure).toEqual([]);
  });
});
