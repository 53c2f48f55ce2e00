import { PageTitle } from '../components/layout/page-title.tsx';
import { NotificationsSettings } from '../components/notifications/notifications-settings.tsx';

/** Where e-mail and webhook notifications are set up (failed runs, paused schedules, reconnects). */
export function NotificationsPage() {
  return (
    <>
      <PageTitle title="Notifications" />
      <NotificationsSettings />
    </>
  );
}
