import {
  adminUserCreateInput,
  adminUserIdInput,
  adminUserJson,
  adminUserPatchInput,
  auditListInput,
  auditPageJson,
  fleetJson,
} from '@kpi/api';
import { z } from 'zod';
import { ok, type RouteDoc } from './route-doc.ts';

const notAdmin = { 403: { description: 'Not an administrator' } };

/** The routes of apps/server/src/routes/admin.ts: administrators only. */
export function adminRoutes(): RouteDoc[] {
  return [
    {
      method: 'get',
      path: '/api/admin/users',
      summary: 'Every account (no password hashes, none of the users’ data)',
      auth: true,
      answers: { 200: ok('Accounts, oldest first', z.array(adminUserJson)), ...notAdmin },
    },
    {
      method: 'post',
      path: '/api/admin/users',
      summary: 'Create an account; written to the audit log',
      auth: true,
      body: adminUserCreateInput,
      answers: {
        201: ok('Created', adminUserJson),
        ...notAdmin,
        409: { description: 'An account with this e-mail exists' },
      },
    },
    {
      method: 'patch',
      path: '/api/admin/users/{id}',
      summary: 'Disable or enable an account, change its role, or reset its password; written to the audit log',
      auth: true,
      params: adminUserIdInput,
      body: adminUserPatchInput,
      answers: {
        200: ok('The account as it now is', adminUserJson),
        ...notAdmin,
        404: { description: 'No such account' },
        409: { description: 'The change would leave no enabled administrator (details.reason last_admin)' },
      },
    },
    {
      method: 'get',
      path: '/api/admin/audit',
      summary: 'What administrators did, newest first',
      auth: true,
      query: auditListInput,
      answers: { 200: ok('A page of entries; pass nextCursor as cursor for the next', auditPageJson), ...notAdmin },
    },
    {
      method: 'get',
      path: '/api/admin/fleet',
      summary: 'Fleet health across all users: instances, queue, fire lag, runs and sources counted',
      auth: true,
      answers: { 200: ok('Counts and figures only', fleetJson), ...notAdmin },
    },
  ];
}
