// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AdminUser, AuditEntry } from '../../lib/api-types.ts';
import { AuditLog } from './audit-log.tsx';
import { CreateUser } from './create-user.tsx';
import { UserList } from './user-list.tsx';

afterEach(cleanup);

const users: AdminUser[] = [
  {
    id: 1,
    email: 'admin@example.com',
    role: 'admin',
    disabled: false,
    created_at: '2026-11-01T00:00:00.000Z',
    must_change_password: false,
  },
  {
    id: 2,
    email: 'ana@example.com',
    role: 'user',
    disabled: true,
    created_at: '2026-11-02T00:00:00.000Z',
    must_change_password: true,
  },
];

const rowOf = (email: string) => document.querySelector(`tr[data-user="${email}"]`) as HTMLElement;

describe('UserList', () => {
  it("shows each account's role and state in words, and sends the change each action asks for", async () => {
    const user = userEvent.setup();
    const onUpdate = vi.fn(async () => ({}));
    render(<UserList users={users} viewerId={1} onUpdate={onUpdate} />);
    const ana = within(rowOf('ana@example.com'));
    expect(ana.getByText('✕ Disabled')).toBeTruthy();
    expect(ana.getByText('must change password')).toBeTruthy();
    expect(within(rowOf('admin@example.com')).getByText('(you)')).toBeTruthy();

    await user.click(ana.getByRole('button', { name: 'Enable ana@example.com' }));
    expect(onUpdate).toHaveBeenLastCalledWith(2, { disabled: false });
    await user.click(ana.getByRole('button', { name: 'Make admin' }));
    expect(onUpdate).toHaveBeenLastCalledWith(2, { role: 'admin' });
    await user.click(ana.getByRole('button', { name: 'Reset password…' }));
    await user.type(ana.getByLabelText('New password for ana@example.com'), 'a-new-password');
    await user.click(ana.getByRole('button', { name: 'Set password' }));
    expect(onUpdate).toHaveBeenLastCalledWith(2, { password: 'a-new-password' });
    expect(ana.getByRole('status').textContent).toMatch(/Password reset/);
  });

  it("shows the server's refusal on the row, such as demoting the last administrator", async () => {
    const onUpdate = vi.fn(async () => {
      throw Object.assign(new Error('The last administrator cannot be demoted'), { data: { httpStatus: 409 } });
    });
    render(<UserList users={users} viewerId={1} onUpdate={onUpdate} />);
    const admin = within(rowOf('admin@example.com'));
    await userEvent.setup().click(admin.getByRole('button', { name: 'Make user' }));
    expect((await admin.findByRole('alert')).textContent).toBe('The last administrator cannot be demoted');
  });
});

describe('CreateUser', () => {
  it('sends e-mail, password and role, then clears the form', async () => {
    const user = userEvent.setup();
    const onCreate = vi.fn(async () => ({}));
    render(<CreateUser onCreate={onCreate} />);
    await user.type(screen.getByLabelText('E-mail'), 'ops@example.com');
    await user.type(screen.getByLabelText('Initial password'), 'long-enough-1');
    await user.selectOptions(screen.getByLabelText('Role'), 'admin');
    await user.click(screen.getByRole('button', { name: 'Create user' }));
    expect(onCreate).toHaveBeenCalledWith({ email: 'ops@example.com', password: 'long-enough-1', role: 'admin' });
    expect((await screen.findByRole('status')).textContent).toBe('Created ops@example.com.');
    expect((screen.getByLabelText('E-mail') as HTMLInputElement).value).toBe('');
  });
});

describe('AuditLog', () => {
  it('lists who did what to whom, and says when nothing happened yet', () => {
    const entries: AuditEntry[] = [
      {
        id: 3,
        at: '2026-11-02T10:00:00.000Z',
        actor_id: 1,
        actor_email: 'admin@example.com',
        action: 'user.disable',
        target_user_id: 2,
        details: { sessions_ended: 2 },
      },
    ];
    render(<AuditLog entries={entries} />);
    const entry = document.querySelector('[data-action="user.disable"]')?.textContent ?? '';
    expect(entry).toContain('admin@example.com disabled user #2');
    expect(entry).toContain('sessions_ended: 2');
    cleanup();
    render(<AuditLog entries={entries} emails={new Map([[2, 'bob@example.com']])} />);
    expect(document.querySelector('[data-action="user.disable"]')?.textContent).toContain(
      'admin@example.com disabled bob@example.com',
    );
    cleanup();
    render(<AuditLog entries={[]} />);
    expect(screen.getByText('No administrator actions yet.')).toBeTruthy();
  });
});
