// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrpcFixture } from '../../../test/trpc-fixture.tsx';
import { ChangePassword } from './change-password.tsx';

afterEach(cleanup);

async function fill(current: string, next: string, repeat = next) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Current password'), current);
  await user.type(screen.getByLabelText('New password'), next);
  await user.type(screen.getByLabelText('Repeat the new password'), repeat);
  await user.click(screen.getByRole('button', { name: 'Change password' }));
}

describe('ChangePassword', () => {
  it('sends the current and the new password, then asks who we are again', async () => {
    const changePassword = vi.fn(() => ({ sessions_ended: 1 }));
    const me = vi.fn(() => ({ id: 1, email: 'admin@localhost.localdomain', role: 'admin', must_change_password: false }));
    render(
      <TrpcFixture fixtures={{ 'auth.changePassword': changePassword, 'auth.me': me }}>
        <ChangePassword email="admin@localhost.localdomain" />
      </TrpcFixture>,
    );
    expect(screen.getByRole('heading', { name: 'Choose a new password' })).toBeTruthy();
    await fill('generated-pass', 'my-own-password');
    await vi.waitFor(() =>
      expect(changePassword).toHaveBeenCalledWith({ current_password: 'generated-pass', new_password: 'my-own-password' }),
    );
  });

  it('refuses mismatched repeats locally and shows the server’s message for a wrong current password', async () => {
    const changePassword = vi.fn(() => {
      throw Object.assign(new Error('The current password is wrong'), {
        data: { appCode: 'VALIDATION_ERROR', httpStatus: 400, details: { field: 'current_password' } },
      });
    });
    render(
      <TrpcFixture fixtures={{ 'auth.changePassword': changePassword }}>
        <ChangePassword email="admin@localhost.localdomain" />
      </TrpcFixture>,
    );
    await fill('generated-pass', 'my-own-password', 'something-else');
    expect((await screen.findByRole('alert')).textContent).toBe('The new passwords do not match');
    expect(changePassword).not.toHaveBeenCalled();
    cleanup();
    render(
      <TrpcFixture fixtures={{ 'auth.changePassword': changePassword }}>
        <ChangePassword email="admin@localhost.localdomain" />
      </TrpcFixture>,
    );
    await fill('wrong-pass', 'my-own-password');
    expect((await screen.findByRole('alert')).textContent).toMatch(/current password is wrong/);
  });
});
