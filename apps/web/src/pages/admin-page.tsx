import { AuditLog } from '../components/admin/audit-log.tsx';
import { CreateUser } from '../components/admin/create-user.tsx';
import { FleetPanel } from '../components/admin/fleet-panel.tsx';
import { InstanceStats } from '../components/admin/instance-stats.tsx';
import { UserList } from '../components/admin/user-list.tsx';
import { PageTitle } from '../components/layout/page-title.tsx';
import { ErrorNotice, Loading } from '../components/layout/states.tsx';
import { useViewer } from '../hooks/use-viewer.ts';
import { trpc } from '../lib/trpc.ts';

/** Administrators only: the server answers 403 to anyone else, so the page says so instead of guessing. */
export function AdminPage() {
  const viewer = useViewer();
  if (viewer.role !== 'admin') {
    return (
      <>
        <PageTitle title="Admin" />
        <p>Only administrators can open this page.</p>
      </>
    );
  }
  return <AdminArea viewerId={viewer.id} />;
}

/** Users (list, create, disable, role, password reset), the audit log of those actions, and the fleet. */
function AdminArea({ viewerId }: { viewerId: number }) {
  const utils = trpc.useUtils();
  const users = trpc.admin.users.list.useQuery();
  const audit = trpc.admin.audit.useQuery({ limit: 50 });
  const fleet = trpc.admin.fleet.useQuery(undefined, { refetchInterval: 15_000 });
  const stats = trpc.scheduler.stats.useQuery(undefined, { refetchInterval: 15_000 });
  // Every change is written to the audit log in the same transaction, so both lists are refreshed.
  const refresh = () => Promise.all([utils.admin.users.list.invalidate(), utils.admin.audit.invalidate()]);
  const create = trpc.admin.users.create.useMutation({ onSuccess: refresh });
  const update = trpc.admin.users.update.useMutation({ onSuccess: refresh });

  return (
    <>
      <PageTitle title="Admin" />
      <section aria-labelledby="users-title">
        <h2 id="users-title">Users</h2>
        <CreateUser onCreate={(user) => create.mutateAsync(user)} />
        {users.isLoading ? (
          <Loading label="Loading users…" />
        ) : users.error || !users.data ? (
          <ErrorNotice title="Could not load users" error={users.error} onRetry={() => void users.refetch()} />
        ) : (
          <UserList users={users.data} viewerId={viewerId} onUpdate={(id, changes) => update.mutateAsync({ id, ...changes })} />
        )}
      </section>
      <section aria-labelledby="fleet-title">
        <h2 id="fleet-title">Fleet</h2>
        {fleet.isLoading ? (
          <Loading label="Loading fleet figures…" />
        ) : fleet.error || !fleet.data ? (
          <ErrorNotice title="Could not load fleet figures" error={fleet.error} onRetry={() => void fleet.refetch()} />
        ) : (
          <FleetPanel fleet={fleet.data} />
        )}
      </section>
      <section aria-labelledby="audit-title">
        <h2 id="audit-title">Audit log</h2>
        {audit.isLoading ? (
          <Loading label="Loading the audit log…" />
        ) : audit.error || !audit.data ? (
          <ErrorNotice title="Could not load the audit log" error={audit.error} onRetry={() => void audit.refetch()} />
        ) : (
          <AuditLog entries={audit.data.items} emails={new Map((users.data ?? []).map((user) => [user.id, user.email]))} />
        )}
      </section>
      <section aria-labelledby="instance-title">
        <h2 id="instance-title">This instance's scheduler</h2>
        {stats.isLoading ? (
          <Loading label="Loading scheduler figures…" />
        ) : stats.error ? (
          <ErrorNotice title="Could not load scheduler figures" error={stats.error} onRetry={() => void stats.refetch()} />
        ) : (
          <InstanceStats stats={stats.data ?? {}} />
        )}
      </section>
    </>
  );
}
