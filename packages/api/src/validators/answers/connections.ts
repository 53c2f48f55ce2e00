import { CREDENTIAL_KINDS } from '@kpi/sources';
import { z } from 'zod';
import { isoTimestamp, nullableTimestamp, serviceJson } from './common.ts';

// The same list as the database's column: the services' rows must fit this type, so tsc catches a new value.
export const CONNECTION_STATUSES = ['ok', 'needs_reauth', 'error'] as const;
const connectionStatus = z.enum(CONNECTION_STATUSES);
const credentialKind = z.enum(CREDENTIAL_KINDS);

/** A connection as the API shows it: never the secret, only that there is one. */
export const connectionJson = z.strictObject({
  service: serviceJson,
  /** `live` syncs the user's account; `sample` (no connection) produces labelled sample figures. */
  mode: z.enum(['live', 'sample']),
  account_id: z.string().nullable(),
  credential_kind: credentialKind.nullable(),
  has_secret: z.boolean(),
  status: connectionStatus.nullable(),
  last_checked_at: nullableTimestamp,
  last_error: z.string().nullable(),
  token_expires_at: nullableTimestamp,
  conversion_action_types: z.array(z.string()).nullable(),
  /** The IANA zone the source reports its days in, learned when the connection is tested or first synced. */
  timezone: z.string().nullable(),
  updated_at: nullableTimestamp,
  /** The operator configured this provider's OAuth client: the UI can offer "Connect with …". */
  oauth_available: z.boolean(),
});
export type ConnectionJson = z.infer<typeof connectionJson>;

export const sheetJson = z.strictObject({
  spreadsheet_id: z.string(),
  url: z.url(),
  /** The tab each service writes to (defaults filled in). */
  tabs: z.strictObject({ meta: z.string(), ga4: z.string(), shopify: z.string() }),
  credential_kind: credentialKind,
  has_secret: z.boolean(),
  status: connectionStatus,
  last_checked_at: nullableTimestamp,
  last_error: z.string().nullable(),
  updated_at: isoTimestamp,
  oauth_available: z.boolean(),
});
export type SheetJson = z.infer<typeof sheetJson>;

/** A probe of the saved credential, worded for the user. */
export const probeResultJson = z.strictObject({ ok: z.boolean(), status: connectionStatus, message: z.string() });
export type ProbeResultJson = z.infer<typeof probeResultJson>;
export const connectionTestJson = probeResultJson.extend({ connection: connectionJson });
export type ConnectionTestJson = z.infer<typeof connectionTestJson>;
export const sheetTestJson = probeResultJson.extend({ sheet: sheetJson });
export type SheetTestJson = z.infer<typeof sheetTestJson>;
export const sheetRemovedJson = z.strictObject({ removed: z.literal(true) });
export type SheetRemovedJson = z.infer<typeof sheetRemovedJson>;
