import { createHash } from 'node:crypto';
import type { Viewer } from '@kpi/api';

/**
 * Who a credential belongs to, remembered for a few seconds so that a busy API client costs one database
 * transaction per request instead of two. Keys are hashes of the credential, never the credential.
 * Revoking a token or signing out on this instance forgets the user's entries at once; another instance
 * forgets them within the TTL (AUTH_CACHE_SECONDS; 0 turns the cache off).
 */
export class ViewerCache {
  private readonly entries = new Map<string, { viewer: Viewer; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  static key(kind: 'token' | 'session', credential: string): string {
    return `${kind}:${createHash('sha256').update(credential).digest('base64url')}`;
  }

  get(key: string): Viewer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.viewer;
  }

  set(key: string, viewer: Viewer): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { viewer, expiresAt: this.now() + this.ttlMs });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  forgetUser(userId: number): void {
    for (const [key, entry] of this.entries) if (entry.viewer.id === userId) this.entries.delete(key);
  }
}
