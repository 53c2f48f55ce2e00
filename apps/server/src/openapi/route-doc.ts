import { okAnswer } from '@kpi/api';
import type { z } from 'zod';

/** An answer: a JSON body (its schema), a redirect (302 with Location), or a body we do not describe. */
export type Answer = { description: string; body?: z.ZodType; redirect?: true };

/** One REST route, as apps/server/src/routes/*.ts registers it; the document and its test are built from this list. */
export type RouteDoc = {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  /** OpenAPI style: `{name}` where Fastify has `:name`. */
  path: string;
  summary: string;
  /** False: answers without a credential (sign-in, preview, health). */
  auth: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The answers particular to this route; the common errors are added by document.ts. */
  answers: Record<number, Answer>;
};

export const ok = (description: string, data: z.ZodType): Answer => ({ description, body: okAnswer(data) });
export const redirect = (description: string): Answer => ({ description, redirect: true });
