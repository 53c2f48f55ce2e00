import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonHeaders } from './http.ts';
import { buildTestApp, capturingLog, createTestUser, type TestUser } from './support.ts';

// What a hostile page or client sees of the headers: framing, sniffing, TLS, the session cookie's
// scope, the Origin check, and what a forged X-Request-Id does to the logs.

// The shape Vite's build writes (one module script, one stylesheet, a data: favicon), to check the CSP
// against; the built app itself is checked in Chromium by the e2e suite.
const INDEX_HTML = `<!doctype html><html><head><link rel="icon" href="data:," />
<script type="module" crossorigin src="/assets/index-abc.js"></script>
<link rel="stylesheet" crossorigin href="/assets/index-abc.css"></head><body><div id="root"></div></body></html>`;

const policyOf = (response: LightMyRequestResponse) =>
  new Map(
    String(response.headers['content-security-policy'])
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .map(([name, ...values]) => [name ?? '', values]),
  );

describe.each(BACKENDS)('security headers on %s', (backend) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let proxied: FastifyInstance;
  let user: TestUser;
  let dist: string;
  const captured = capturingLog();

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    dist = mkdtempSync(join(tmpdir(), 'kpi-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), INDEX_HTML);
    writeFileSync(join(dist, 'assets', 'index-abc.js'), 'export {};');
    app = await buildTestApp(database, { webDistDir: dist, log: captured.log });
    proxied = await buildTestApp(database, { trustProxy: true });
    user = await createTestUser(database, 'headers');
  });
  afterAll(async () => {
    await app?.close();
    await proxied?.close();
    await database?.dispose();
    rmSync(dist, { recursive: true, force: true });
  });

  const signIn = (target: FastifyInstance, headers: Record<string, string> = {}) =>
    target.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { ...jsonHeaders(), ...headers },
      payload: JSON.stringify({ email: user.email, password: 'password-123' }),
    });

  it('the SPA page may not be framed, is not sniffed, and its policy allows exactly its own script and style tags', async () => {
    const page = await app.inject({ method: 'GET', url: '/connections' });
    expect(page.statusCode).toBe(200);
    const policy = policyOf(page);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('img-src')).toContain('data:');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    // Every script and stylesheet the page loads is same-origin (a path), and none is inline.
    const scripts = [...page.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\ssrc="\/[^/]/);
      expect(body?.trim()).toBe('');
    }
    for (const [link] of page.body.matchAll(/<link\b[^>]*rel="stylesheet"[^>]*>/g)) expect(link).toMatch(/href="\/[^/]/);
    expect(page.body).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    // The JSON API carries the same headers.
    const api = await app.inject({ method: 'GET', url: '/api/auth/me' });
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(policyOf(api).get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('HSTS is sent only over TLS, and only a trusted proxy can say the request was TLS', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).headers['strict-transport-security']).toBeUndefined();
    const forged = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
    expect(forged.headers['strict-transport-security']).toBeUndefined();
    const tls = await proxied.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
    expect(tls.headers['strict-transport-security']).toMatch(/^max-age=31536000/);
  });

  it('over TLS the session cookie is __Host- prefixed (Secure, Path=/, no Domain) and the plain name is not read', async () => {
    const tls = { 'x-forwarded-proto': 'https', host: 'kpi.example' };
    const response = await signIn(proxied, tls);
    const header = String(response.headers['set-cookie']);
    expect(header).toMatch(/^__Host-kpi_session=s_[A-Za-z0-9_-]{43};/);
    expect(header).toMatch(/; Secure/);
    expect(header).toMatch(/; Path=\//);
    expect(header).not.toMatch(/Domain=/i);
    const value = /__Host-kpi_session=([^;]+)/.exec(header)?.[1];
    const me = (cookie: string) => proxied.inject({ method: 'GET', url: '/api/auth/me', headers: { ...tls, cookie } });
    expect((await me(`__Host-kpi_session=${value}`)).statusCode).toBe(200);
    // A cookie planted under the plain name (by a sibling subdomain or over http) is not a session here.
    expect((await me(`kpi_session=${value}`)).statusCode).toBe(401);
    // Plain http keeps the plain name (a browser refuses __Host- without Secure).
    expect(String((await signIn(app)).headers['set-cookie'])).toMatch(/^kpi_session=s_/);
  });

  it('the Origin check compares scheme and port, not only the host name', async () => {
    const tls = { 'x-forwarded-proto': 'https', host: 'kpi.example' };
    const value = /__Host-kpi_session=([^;]+)/.exec(String((await signIn(proxied, tls)).headers['set-cookie']))?.[1];
    const create = (origin: string) =>
      proxied.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { ...jsonHeaders(), ...tls, cookie: `__Host-kpi_session=${value}`, origin },
        payload: JSON.stringify({ name: 'from a page' }),
      });
    // A plain-http page on our own host name (or another port of it) is another origin.
    expect((await create('http://kpi.example')).statusCode).toBe(403);
    expect((await create('https://kpi.example:8443')).statusCode).toBe(403);
    expect((await create('null')).statusCode).toBe(403);
    expect((await create('https://kpi.example')).statusCode).toBe(201);
    expect((await create('https://kpi.example:443')).statusCode).toBe(201);
  });

  it('a client X-Request-Id is kept only when it is a short safe token; a 10 KB or multi-line one is neither echoed nor logged', async () => {
    const safe = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-42.a_b' } });
    expect(safe.headers['x-request-id']).toBe('trace-42.a_b');
    expect(captured.lines.some((line) => line.reqId === 'trace-42.a_b')).toBe(true);
    for (const forged of ['A'.repeat(10 * 1024), 'ok\n{"level":50,"msg":"forged"}', 'ok\r\nset-cookie: x=1', 'has space']) {
      captured.lines.length = 0;
      const response = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': forged } });
      expect(response.statusCode).toBe(200);
      const echoed = String(response.headers['x-request-id']);
      expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers['set-cookie']).toBeUndefined();
      const logged = JSON.stringify(captured.lines);
      expect(captured.lines.length).toBeGreaterThan(0);
      expect(logged).toContain(echoed);
      expect(logged).not.toContain(forged.slice(0, 40));
    }
  });
});
