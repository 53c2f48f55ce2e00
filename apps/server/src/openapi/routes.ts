import {
  apiTokenJson,
  connectionJson,
  connectionServiceInput,
  connectionTestJson,
  connectionUpsertInput,
  kpiJson,
  loginInput,
  okAnswer,
  previewJson,
  runEnqueuedAnswer,
  runIdInput,
  runJson,
  runPageJson,
  runsListInput,
  scheduleJson,
  schedulePreviewInput,
  schedulerStatsJson,
  scheduleUpdateInput,
  serviceInput,
  serviceStatsJson,
  sheetJson,
  sheetRemovedJson,
  sheetTestJson,
  sheetUpsertInput,
  signedOutAnswer,
  tokenCreatedJson,
  tokenCreateInput,
  tokenIdInput,
  userAnswer,
} from '@kpi/api';
import { z } from 'zod';

/** An answer: a JSON body (its schema), a redirect (302 with Location), or a body we do not describe. */
export type Answer = { description: string; body?: z.ZodType; redirect?: true };

/** One REST route, as apps/server/src/routes/*.ts registers it; the document and its test are built from this list. */
export type RouteDoc = {
  method: 'get' | 'put' | 'post' | 'delete';
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

const serviceParams = z.strictObject({ service: serviceInput });
// The tokens route converts the id with Number() before parsing: the path holds digits.
const tokenIdParams = tokenIdInput;
/** The body of PUT /api/connections/{service}: the service comes from the path. */
const connectionBody = connectionUpsertInput.omit({ service: true });
const oauthStartQuery = z.strictObject({ account_id: connectionUpsertInput.shape.account_id });
const sheetOauthStartQuery = z.strictObject({ spreadsheet_id: sheetUpsertInput.shape.spreadsheet_id });
/** What the provider sends back to the callback; only single plain values count. */
const oauthCallbackQuery = z.object({ state: z.string(), code: z.string().optional(), error: z.string().optional() });

const ok = (description: string, data: z.ZodType): Answer => ({ description, body: okAnswer(data) });
const redirect = (description: string): Answer => ({ description, redirect: true });
const notConfigured = { 503: { description: 'Connections are not available on this server, or SECRETS_KEY is not set' } };

export const ROUTES: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/auth/login',
    summary: 'Sign in; sets the kpi_session cookie',
    auth: false,
    body: loginInput,
    answers: { 200: ok('Signed in', userAnswer), 401: { description: 'Wrong email or password' } },
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    summary: 'Sign out (ends the session on the server)',
    auth: false,
    answers: { 200: { description: 'Signed out', body: signedOutAnswer } },
  },
  {
    method: 'get',
    path: '/api/auth/me',
    summary: 'Who the credential belongs to',
    auth: true,
    answers: { 200: ok('The caller', userAnswer) },
  },
  {
    method: 'get',
    path: '/api/schedules',
    summary: "The caller's three schedules (missing ones are created with the defaults)",
    auth: true,
    answers: { 200: ok('Schedules', z.array(scheduleJson)) },
  },
  {
    method: 'get',
    path: '/api/schedules/preview',
    summary: 'The next fires of a cron in a zone, as the engine computes them',
    auth: false,
    query: schedulePreviewInput,
    answers: { 200: ok('Fire instants (UTC)', previewJson) },
  },
  {
    method: 'put',
    path: '/api/schedules/{service}',
    summary: "Create or change the caller's schedule for one service",
    auth: true,
    params: serviceParams,
    body: scheduleUpdateInput,
    answers: { 200: ok('The saved schedule', scheduleJson), 503: { description: 'The database is not ready' } },
  },
  {
    method: 'post',
    path: '/api/schedules/{service}/run',
    summary: 'Queue a sync now',
    auth: true,
    params: serviceParams,
    answers: {
      200: { description: 'Queued', body: runEnqueuedAnswer },
      409: { description: 'A run of this service is already queued or running (details.jobId)' },
    },
  },
  {
    method: 'get',
    path: '/api/runs',
    summary: "The caller's runs, newest first",
    auth: true,
    query: runsListInput,
    answers: { 200: ok('A page of runs; pass nextCursor as cursor for the next', runPageJson) },
  },
  {
    method: 'get',
    path: '/api/runs/stats',
    summary: "Per-service figures over the caller's runs",
    auth: true,
    answers: { 200: ok('One entry per service', z.array(serviceStatsJson)) },
  },
  {
    method: 'get',
    path: '/api/runs/{id}',
    summary: "One of the caller's runs",
    auth: true,
    params: runIdInput,
    answers: { 200: ok('The run', runJson), 404: { description: 'No such run of the caller' } },
  },
  {
    method: 'get',
    path: '/api/kpis',
    summary: 'The latest KPI snapshot per service',
    auth: true,
    answers: { 200: ok('Snapshots', z.array(kpiJson)) },
  },
  {
    method: 'get',
    path: '/api/tokens',
    summary: "The caller's API tokens (never the secret)",
    auth: true,
    answers: { 200: ok('Tokens', z.array(apiTokenJson)) },
  },
  {
    method: 'post',
    path: '/api/tokens',
    summary: 'Create an API token; the raw token is in this answer only',
    auth: true,
    body: tokenCreateInput,
    answers: { 201: ok('Created', tokenCreatedJson) },
  },
  {
    method: 'delete',
    path: '/api/tokens/{id}',
    summary: "Revoke one of the caller's tokens",
    auth: true,
    params: tokenIdParams,
    answers: { 200: ok('Revoked', apiTokenJson), 404: { description: 'No such token of the caller' } },
  },
  {
    method: 'get',
    path: '/api/scheduler/stats',
    summary: "This instance's scheduler figures (administrators only)",
    auth: true,
    answers: { 200: ok('Figures', schedulerStatsJson), 403: { description: 'Not an administrator' } },
  },
  ...connectionRoutes(),
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    auth: false,
    answers: { 200: { description: 'OpenAPI 3.1' } },
  },
];

function connectionRoutes(): RouteDoc[] {
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
