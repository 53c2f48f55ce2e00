import { BACKENDS, openTestDatabase, type TestDatabase } from '@kpi/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { expectRestError, jsonHeaders } from './http.ts';
import { silentLog, testDeps } from './support.ts';

// TRUST_PROXY from the attacker's side: a client that writes its own X-Forwarded-For must not get a fresh
// address (and a fresh sign-in budget) with every request.

describe('TRUST_PROXY configuration', () => {
  const trustProxyOf = (value: string | undefined) => loadConfig({ TRUST_PROXY: value }).trustProxy;

  it('takes false, a hop count, or a list of addresses and CIDR ranges', () => {
    expect(trustProxyOf(undefined)).toBe(false);
    expect(trustProxyOf('false')).toBe(false);
    expect(trustProxyOf('0')).toBe(false);
    expect(trustProxyOf('1')).toBe(1);
    expect(trustProxyOf('2')).toBe(2);
    expect(trustProxyOf('10.0.0.0/8, 127.0.0.1')).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(trustProxyOf('::1,fd00::/8,loopback')).toEqual(['::1', 'fd00::/8', 'loopback']);
  });

  it('refuses true (trust every hop: spoofable) with a message saying what to set instead', () => {
    expect(() => trustProxyOf('true')).toThrow(/TRUST_PROXY=true would let any client choose its own address.*TRUST_PROXY=1/);
  });

  it('refuses what is neither', () => {
    for (const value of ['yes', '10.0.0.0/33', '10.0.0.1/8/1', '300.1.1.1', '10.0.0.1,', '-1']) {
      expect(() => trustProxyOf(value), value).toThrow(/TRUST_PROXY must be false, a hop count/);
    }
  });
});

describe.each(BACKENDS)('a client forging X-Forwarded-For on %s', (backend) => {
  const LIMIT = 5;
  const PROXY = '10.0.0.1';
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.dispose();
  });

  const start = (trustProxy: number | string[]) =>
    buildApp({
      deps: testDeps(database),
      log: silentLog,
      bodyLimitBytes: 64 * 1024,
      login: { maxAttempts: LIMIT, windowSeconds: 900 },
      trustProxy,
      readiness: { ping: async () => undefined, schemaReady: () => true, scheduler: () => 'disabled' },
    });
  /** A sign-in to an unknown e-mail (so only the per-address limit applies), as it reaches the server. */
  const guess = (app: FastifyInstance, remoteAddress: string, forwardedFor: string, n: number) =>
    app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress,
      headers: jsonHeaders({ 'x-forwarded-for': forwardedFor }),
      payload: JSON.stringify({ email: `spray-${n}-${Date.now()}@example.test`, password: 'Winter2026!' }),
    });

  it('with a hop count of 1, a forged first entry changes nothing: the proxy-appended address is limited', async () => {
    const app = await start(1);
    try {
      const attacker = '203.0.113.50';
      const answers: number[] = [];
      // What the proxy forwards: the client's own header, then the address it saw.
      for (let i = 0; i < LIMIT + 5; i++) answers.push((await guess(app, PROXY, `198.51.100.${i}, ${attacker}`, i)).statusCode);
      expect(answers).toEqual([...Array(LIMIT).fill(401), ...Array(5).fill(429)]);
      // Another client behind the same proxy has its own budget.
      expectRestError(await guess(app, PROXY, `${attacker}, 203.0.113.51`, 99), 401);
    } finally {
      await app.close();
    }
  });

  it('with a list of proxies, a client that connects directly cannot pick an address by header', async () => {
    const app = await start([PROXY]);
    try {
      const direct = '203.0.113.60';
      const answers: number[] = [];
      for (let i = 0; i < LIMIT + 3; i++) answers.push((await guess(app, direct, `198.51.100.${i}`, i)).statusCode);
      expect(answers).toEqual([...Array(LIMIT).fill(401), ...Array(3).fill(429)]);
      // Through the listed proxy, the forwarded address counts (and is not the blocked one).
      expectRestError(await guess(app, PROXY, '203.0.113.61', 100), 401);
    } finally {
      await app.close();
    }
  });
});
