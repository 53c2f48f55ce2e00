import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../lib/trpc.ts';

type AuthFailure = { success: false; error?: { code?: string; message?: string } };

async function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
}

async function failureMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as AuthFailure | null;
  if (body?.error?.message) return body.error.message;
  return `Sign-in failed (HTTP ${response.status})`;
}

function isMeQuery(key: readonly unknown[]): boolean {
  const path = key[0];
  return Array.isArray(path) && path[0] === 'auth' && path[1] === 'me';
}

/** Sign-in and sign-out go through the REST routes that set and clear the httpOnly session cookie. */
export function useAuth() {
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);

  async function signIn(email: string, password: string): Promise<string | null> {
    setPending(true);
    try {
      const response = await postJson('/api/auth/login', { email, password });
      if (!response.ok) return await failureMessage(response);
      await utils.auth.me.invalidate();
      return null;
    } catch {
      return 'The server could not be reached. Check your connection and try again.';
    } finally {
      setPending(false);
    }
  }

  async function signOut(): Promise<void> {
    setPending(true);
    try {
      await postJson('/api/auth/logout', {});
    } finally {
      // Whatever the answer, nothing of this user's data may stay on screen or in the cache. "Who am I"
      // becomes null (which shows the sign-in page) and everything else is dropped.
      utils.auth.me.setData(undefined, null);
      queryClient.removeQueries({ predicate: (query) => !isMeQuery(query.queryKey) });
      queryClient.getMutationCache().clear();
      setPending(false);
    }
  }

  return { signIn, signOut, pending };
}
