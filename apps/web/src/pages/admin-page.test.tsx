// @vitest-environment node
import '../../test/dom.ts';
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Fixtures, TrpcFixture } from '../../test/trpc-fixture.tsx';
import { ViewerContext } from '../hooks/use-viewer.ts';
import type { AdminUser, Fleet, Viewer } from '../lib/api-types.ts';
import { AdminPage } from './admin-page.tsx';

afterEach(cleanup);

const admin = { id: 1, email: 'admin@example.com', role: 'admin' } as Viewer;

function user(id: number, email: string, role: AdminUser['role']): AdminUser {
  return { id, email, role, disabled: false, created_at: '2026-11-01T00:00:00.000Z', must_change_password: false };
}

const fleet: Fleet = {
  instances: [{ id: 'host-a:1', started_at: '2026-11-02T08:00:00.000Z', last_seen_at: '2026-11-02T09:59:50.000Z' }],
  queue_depth: 0,
  fire_lag_ms: { p50: null, p99: null },
  runs_24h: { queued: 0, running: 0, succeeded: 3, failed: 0, skipped: 0 },
  failing_sources: 0,
  paused_sources: 0,
  provider_budgets: [],
};

function page(viewer: Viewer, fixtures: Fixtures) {
  return render(
    <ViewerContext.Provider value={viewer}>
      <TrpcFixture fixtures={fixtures}>
        <AdminPage />
      </TrpcFixture>
    </ViewerContext.Provider>,
  );
}

describe('AdminPage', () => {
  it('lists users, fleet and audit from the admin procedures; a create refreshes the list and the log', async () => {
    let users = [user(1, 'admin@example.com', 'admin')];
    const list = vi.fn(() => users);
    const audit = vi.fn(() => ({ items: [], nextCursor: null }));
    const create = vi.fn((input: unknown) => {
      const created = user(2, (input as { email: string }).email, 'user');
      users = [...users, created];
      return created;
    });
    page(admin, {
      'admin.users.list': list,
      'admin.users.create': create,
      'admin.audit': audit,
      'admin.fleet': () => fleet,
      'scheduler.stats': () => ({}),
    });
    expect(await screen.findByText('admin@example.com')).toBeTruthy();
    expect(await screen.findByText('No administrator actions yet.')).toBeTruthy();
    expect(screen.getByText('Instances alive', { selector: 'dt' }).nextElementSibling?.textContent).toBe('1');

    const events = userEvent.setup();
    await events.type(screen.getByLabelText('E-mail'), 'ops@example.com');
    await events.type(screen.getByLabelText('Initial password'), 'long-enough-1');
    await events.click(screen.getByRole('button', { name: 'Create user' }));
    expect(create).toHaveBeenCalledWith({ email: 'ops@example.com', password: 'long-enough-1', role: 'user' });
    expect(await screen.findByRole('button', { name: 'Disable ops@example.com' })).toBeTruthy();
    expect(list).toHaveBeenCalledTimes(2);
    expect(audit).toHaveBeenCalledTimes(2);
  });

  it("shows the server's refusal to demote the last administrator in words on that row", async () => {
    const update = vi.fn(() => {
      throw new Error('At least one enabled administrator must remain; make another user an administrator first');
    });
    page(admin, {
      'admin.users.list': () => [user(1, 'admin@example.com', 'admin')],
      'admin.users.update': update,
      'admin.audit': () => ({ items: [], nextCursor: null }),
      'admin.fleet': () => fleet,
      'scheduler.stats': () => ({}),
    });
    const row = (await screen.findByText('admin@example.com')).closest('tr') as HTMLElement;
    await userEvent.setup().click(within(row).getByRole('button', { name: 'Make user' }));
    expect(update).toHaveBeenCalledWith({ id: 1, role: 'user' });
    expect((await within(row).findByRole('alert')).textContent).toContain('At least one enabled administrator must remain');
  });

  it('asks nothing of the admin procedures for a user who is not an administrator', () => {
    page({ ...admin, role: 'user' } as Viewer, {});
    expect(screen.getByText('Only administrators can open this page.')).toBeTruthy();
  });
});
