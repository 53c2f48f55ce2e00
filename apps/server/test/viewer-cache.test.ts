import { describe, expect, it } from 'vitest';
import { ViewerCache } from '../src/viewer-cache.ts';

const ana = { id: 1, email: 'ana@example.test', role: 'user' as const };
const bo = { id: 2, email: 'bo@example.test', role: 'user' as const };

describe('ViewerCache', () => {
  it('forgets an entry once its TTL has passed', () => {
    let now = 1_000;
    const cache = new ViewerCache(5_000, 100, () => now);
    const key = ViewerCache.key('token', 'kpi_secret');
    cache.set(key, ana);
    now += 4_999;
    expect(cache.get(key)).toEqual(ana);
    now += 2;
    expect(cache.get(key)).toBeUndefined();
  });

  it('keys by a hash, never by the credential', () => {
    const key = ViewerCache.key('session', 'the-session-secret');
    expect(key).toMatch(/^session:[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('the-session-secret');
  });

  it('forgets every entry of one user and keeps the others', () => {
    const cache = new ViewerCache(60_000);
    cache.set('a1', ana);
    cache.set('a2', ana);
    cache.set('b1', bo);
    cache.forgetUser(ana.id);
    expect([cache.get('a1'), cache.get('a2'), cache.get('b1')]).toEqual([undefined, undefined, bo]);
  });

  it('holds at most its bound, dropping the least recently used', () => {
    const cache = new ViewerCache(60_000, 2);
    cache.set('first', ana);
    cache.set('second', bo);
    cache.get('first');
    cache.set('third', bo);
    expect([cache.get('first'), cache.get('second'), cache.get('third')]).toEqual([ana, undefined, bo]);
  });

  it('remembers nothing with a TTL of 0', () => {
    const cache = new ViewerCache(0);
    cache.set('k', ana);
    expect(cache.get('k')).toBeUndefined();
  });
});
