import { type Service, SOURCES } from '@kpi/sources';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { serviceInput } from '../validators/schedule.ts';
import { multilineText, plainText } from '../validators/text.ts';
import { serviceAccountKeyProblem } from './service-account-key.ts';

const secretText = (name: string) => plainText(name).trim().min(8, `${name} looks too short`).max(8192, `${name} is too long`);

export const credentialInput = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('access_token'), access_token: secretText('access_token') }),
    z.strictObject({
      kind: z.literal('oauth_refresh'),
      refresh_token: secretText('refresh_token'),
      access_token: secretText('access_token').optional(),
      /** The user's own OAuth client, when the operator configured none. */
      client_id: plainText('client_id').trim().min(1).max(500).optional(),
      client_secret: plainText('client_secret').trim().min(1).max(500).optional(),
    }),
    z.strictObject({
      kind: z.literal('service_account'),
      /** The service-account key file (JSON) as downloaded from Google Cloud. */
      key: multilineText('key').max(16_384, 'key is too long'),
    }),
  ],
  { error: 'credential.kind must be access_token, oauth_refresh or service_account' },
);
export type CredentialInput = z.infer<typeof credentialInput>;

/**
 * The account id as stored, after the source's own rule (a pasted connection and an OAuth start check the
 * same): for Shopify it is the host the browser is sent to, so only a *.myshopify.com name passes.
 */
export function accountIdFor(service: Service, accountId: string): string {
  const rule = SOURCES[service].account;
  if (!rule.pattern.test(accountId)) {
    throw new AppError('VALIDATION_ERROR', `account_id must be ${rule.patternHint}`, { field: 'account_id' });
  }
  return rule.normalise(accountId);
}

/**
 * `connections.upsert` and `PUT /api/connections/:service`. Leaving `credential` out keeps the saved one
 * (to change only the account id); a new connection needs one.
 */
export const connectionUpsertInput = z.strictObject({
  service: serviceInput,
  account_id: plainText('account_id').trim().toLowerCase().min(1, 'account_id must not be empty').max(255),
  credential: credentialInput.optional(),
  /** Meta only: which action types count as conversions (default ["purchase"]). */
  conversion_action_types: z.array(plainText('conversion_action_types').trim().min(1).max(100)).min(1).max(20).optional(),
});
export type ConnectionUpsertInput = z.input<typeof connectionUpsertInput>;

export const connectionServiceInput = z.strictObject({ service: serviceInput });

const tabName = plainText('a tab name')
  .trim()
  .min(1, 'a tab name must not be empty')
  .max(100, 'a tab name is at most 100 characters');

export const sheetUpsertInput = z.strictObject({
  /** The id, or the spreadsheet's URL (the id is taken from /d/<id>/). */
  spreadsheet_id: plainText('spreadsheet_id')
    .trim()
    .max(500)
    .transform((value) => /\/d\/([A-Za-z0-9_-]+)/.exec(value)?.[1] ?? value)
    .pipe(z.string().regex(/^[A-Za-z0-9_-]{10,200}$/, 'spreadsheet_id must be a spreadsheet id or URL')),
  tabs: z
    .strictObject({ meta: tabName.optional(), ga4: tabName.optional(), shopify: tabName.optional() })
    .optional()
    .refine((tabs) => {
      const names = Object.values(tabs ?? {}).map((name) => name?.toLowerCase());
      return new Set(names).size === names.length;
    }, 'each service needs its own tab'),
  credential: credentialInput.optional(),
});
export type SheetUpsertInput = z.input<typeof sheetUpsertInput>;

/** The secret as stored (camelCase keys inside the sealed envelope), checked for its kind. */
export function secretOf(credential: CredentialInput): Record<string, unknown> {
  if (credential.kind === 'access_token') return { accessToken: credential.access_token };
  if (credential.kind === 'oauth_refresh') {
    return {
      refreshToken: credential.refresh_token,
      ...(credential.access_token ? { accessToken: credential.access_token } : {}),
      ...(credential.client_id ? { clientId: credential.client_id } : {}),
      ...(credential.client_secret ? { clientSecret: credential.client_secret } : {}),
    };
  }
  let key: { client_email?: unknown; private_key?: unknown };
  try {
    key = JSON.parse(credential.key) as typeof key;
  } catch {
    throw new z.ZodError([
      {
        code: 'custom',
        path: ['credential', 'key'],
        message: 'credential.key must be the service-account JSON key file',
        input: undefined,
      },
    ]);
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new z.ZodError([
      {
        code: 'custom',
        path: ['credential', 'key'],
        message: 'the key file needs client_email and private_key',
        input: undefined,
      },
    ]);
  }
  const problem = serviceAccountKeyProblem(key.private_key);
  // An AppError, not a ZodError: thrown inside a tRPC procedure a ZodError would answer 500.
  if (problem) throw new AppError('VALIDATION_ERROR', `credential.key: ${problem}`, { field: 'credential.key' });
  return { clientEmail: key.client_email, privateKey: key.private_key };
}
