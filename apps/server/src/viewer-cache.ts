import { createHash } from 'node:crypto';
import type { Viewer } from '@kpi/api';
import { LRUCache } from 'lru-cache';

/**
 * Who a credential belongs to, remembered for a few seconds so that a busy API client costs one database
 * transaction per request instead of two. Keys are hashes of the credential, never the credential.
 * Revoking a token, signing out, changing a password or an administrator's change to the user forgets
 * the user's entries on this instance at once and on the others when the `kpi_credentials_revoked`
 * NOTIFY arrives; the TTL (AUTH_CACHE_SECONDS; 0 turns the cache off) bounds everything else.
 */
export class ViewerCache {
  private readonly entries: LRUCache<string, Viewer> | undefined;

  constructor(ttlMs: number, maxEntries = 10_000, now: () => number = performance.now.bind(performance)) {
    // A TTL of 0 turns the cache off (lru-cache would read 0 as "no expiry").
    this.entries = ttlMs > 0 ? new LRUCache({ max: maxEntries, ttl: ttlMs, ttlResolution: 0, perf: { now } }) : undefined;
  }

  static key(kind: 'token' | 'session', credential: string): string {
    return `${kind}:${createHash('sha256').update(credential).digest('base64url')}`;
  }

  get(key: string): Viewer | undefined {
    return this.entries?.get(key);
  }

  set(key: string, viewer: Viewer): void {
    this.entries?.set(key, viewer);
  }

  forget(key: string): void {
    this.entries?.delete(key);
  }

  forgetAll(): void {
    this.entries?.clear();
  }

  forgetUser(userId: number): void {
    if (!this.entries) return;
    for (const [key, viewer] of this.entries.entries()) if (viewer.id === userId) this.entries.delete(key);
  }
}
