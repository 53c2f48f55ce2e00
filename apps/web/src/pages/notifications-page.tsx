import { PageTitle } from '../components/layout/page-title.tsx';

/** Where e-mail and webhook notifications are set up (failed runs, paused schedules, reconnects). */
export function NotificationsPage() {
  return (
    <>
      <PageTitle title="Notifications" />
      <section className="card" aria-labelledby="notifications-what">
        <h2 id="notifications-what" className="card-title">
          What you are told about
        </h2>
        <ul>
          <li>A run that failed after its last attempt</li>
          <li>A schedule paused after repeated failures or a refused credential</li>
          <li>A connection that needs reconnecting</li>
          <li>A source that works again</li>
        </ul>
        <p className="muted">This server does not send notifications yet: there is nothing to set up here.</p>
      </section>
    </>
  );
}
