import { z } from 'zod';
import { serviceInput } from '../validators/schedule.ts';
import { multilineText, plainText } from '../validators/text.ts';

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

export const ALLOWED_KINDS = {
  meta: ['access_token'],
  ga4: ['oauth_refresh', 'service_account'],
  shopify: ['access_token', 'oauth_refresh'],
} as const;

export const ACCOUNT_PATTERNS = {
  meta: { pattern: /^(act_)?\d{1,30}$/, hint: 'the ad account id, digits (act_ optional)' },
  ga4: { pattern: /^\d{1,20}$/, hint: 'the GA4 property id, digits (not the G- measurement id)' },
  shopify: { pattern: /^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/, hint: 'the shop domain, like my-shop.myshopify.com' },
} as const;

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
  return { clientEmail: key.client_email, privateKey: key.private_key };
}
