import {
  connectionJson,
  connectionServiceInput,
  connectionTestJson,
  connectionUpsertInput,
  sheetJson,
  sheetRemovedJson,
  sheetTestJson,
  sheetUpsertInput,
} from '@kpi/api';
import { z } from 'zod';
import { ok, type RouteDoc, redirect } from './route-doc.ts';

/** The body of PUT /api/connections/{service}: the service comes from the path. */
const connectionBody = connectionUpsertInput.omit({ service: true });
const oauthStartQuery = z.strictObject({ account_id: connectionUpsertInput.shape.account_id });
const sheetOauthStartQuery = z.strictObject({ spreadsheet_id: sheetUpsertInput.shape.spreadsheet_id });
/** What the provider sends back to the callback; only single plain values count. */
const oauthCallbackQuery = z.object({ state: z.string(), code: z.string().optional(), error: z.string().optional() });
const notConfigured = { 503: { description: 'Connections are not available on this server, or SECRETS_KEY is not set' } };

/** The routes of apps/server/src/routes/connections.ts. */
export function connectionRoutes(): RouteDoc[] {
  return [
    {
      method: 'get',
      path: '/api/connections',
      summary: "The caller's connection per service (sample mode where none is saved)",
      auth: true,
      answers: { 200: ok('One entry per service', z.array(connectionJson)) },
    },
    {
      method: 'put',
      path: '/api/connections/{service}',
      summary: 'Save the account id and, optionally, a pasted credential (sealed; never answered back)',
      auth: true,
      params: connectionServiceInput,
      body: connectionBody,
      answers: { 200: ok('The saved connection', connectionJson), ...notConfigured },
    },
    {
      method: 'delete',
      path: '/api/connections/{service}',
      summary: 'Forget the connection; the service goes back to sample figures',
      auth: true,
      params: connectionServiceInput,
      answers: {
        200: ok('The service as it now is (sample mode)', connectionJson),
        404: { description: 'No connection saved for this service' },
      },
    },
    {
      method: 'post',
      path: '/api/connections/{service}/test',
      summary: 'Probe the saved credential at the provider',
      auth: true,
      params: connectionServiceInput,
      answers: {
        200: ok('The probe, worded for the user', connectionTestJson),
        404: { description: 'No connection saved for this service' },
        ...notConfigured,
      },
    },
    {
      method: 'get',
      path: '/api/connections/{service}/oauth/start',
      summary: "Start connecting with the provider's sign-in",
      auth: true,
      params: connectionServiceInput,
      query: oauthStartQuery,
      answers: {
        302: redirect("To the provider's consent page (Location); sets the short-lived kpi_oauth cookie"),
        404: { description: 'No OAuth client configured for this provider' },
      },
    },
    {
      method: 'get',
      path: '/api/oauth/callback',
      summary: 'Where the provider sends the browser back',
      auth: true,
      query: oauthCallbackQuery,
      answers: {
        302: redirect('To /connections?connected=<target> or /connections?error=<message> (Location)'),
        400: { description: 'The state does not match this browser, user or time window' },
      },
    },
    {
      method: 'get',
      path: '/api/sheets',
      summary: "The caller's Google Sheets destination, or null",
      auth: true,
      answers: { 200: ok('The sheet, or null when none is saved', sheetJson.nullable()) },
    },
    {
      method: 'put',
      path: '/api/sheets',
      summary: 'Save the spreadsheet, its tabs and, optionally, a credential',
      auth: true,
      body: sheetUpsertInput,
      answers: { 200: ok('The saved sheet', sheetJson), ...notConfigured },
    },
    {
      method: 'delete',
      path: '/api/sheets',
      summary: 'Forget the sheet destination',
      auth: true,
      answers: { 200: ok('Removed', sheetRemovedJson), 404: { description: 'No sheet saved' } },
    },
    {
      method: 'post',
      path: '/api/sheets/test',
      summary: 'Probe the saved sheet credential at Google',
      auth: true,
      answers: {
        200: ok('The probe, worded for the user', sheetTestJson),
        404: { description: 'No sheet saved' },
        ...notConfigured,
      },
    },
    {
      method: 'get',
      path: '/api/sheets/oauth/start',
      summary: "Start connecting the sheet with Google's sign-in",
      auth: true,
      query: sheetOauthStartQuery,
      answers: {
        302: redirect("To Google's consent page (Location); sets the short-lived kpi_oauth cookie"),
        404: { description: 'No Google OAuth client configured' },
      },
    },
  ];
}
