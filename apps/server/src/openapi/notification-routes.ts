import {
  deliveriesListInput,
  notificationDeliveryJson,
  notificationSettingsJson,
  notificationSettingsSavedJson,
  notificationsUpdateInput,
  notificationTestJson,
} from '@kpi/api';
import { z } from 'zod';
import { ok, type RouteDoc } from './route-doc.ts';

/** The routes of apps/server/src/routes/notifications.ts. */
export function notificationRoutes(): RouteDoc[] {
  return [
    {
      method: 'get',
      path: '/api/notifications',
      summary: "The caller's notification channels and the events they get",
      auth: true,
      answers: { 200: ok('Channels', notificationSettingsJson) },
    },
    {
      method: 'put',
      path: '/api/notifications',
      summary: 'Change any of email, webhook_url, slack, events (null removes a channel); a new webhook answers its secret once',
      auth: true,
      body: notificationsUpdateInput,
      answers: {
        200: ok('Saved', notificationSettingsSavedJson),
        400: { description: 'Bad input, or a webhook URL the server may not call (not https, a private address)' },
        503: { description: 'SECRETS_KEY is not set, so a webhook secret cannot be kept' },
      },
    },
    {
      method: 'post',
      path: '/api/notifications/test',
      summary: 'Send a test message to each channel now',
      auth: true,
      answers: {
        200: ok('What each channel did', notificationTestJson),
        429: { description: 'A test was sent less than 30 seconds ago' },
      },
    },
    {
      method: 'get',
      path: '/api/notifications/deliveries',
      summary: "The caller's recent notification messages, newest first",
      auth: true,
      query: deliveriesListInput,
      answers: { 200: ok('Deliveries', z.array(notificationDeliveryJson)) },
    },
  ];
}
