// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignOutEverywhere } from './sign-out-everywhere.tsx';

afterEach(cleanup);

describe('SignOutEverywhere', () => {
  it('asks once, then calls the server; a refusal is shown', async () => {
    const user = userEvent.setup();
    const onSignOutEverywhere = vi
      .fn()
      .mockRejectedValueOnce(Object.assign(new Error('Too many requests'), { data: { httpStatus: 429 } }))
      .mockResolvedValueOnce({ success: true });
    render(<SignOutEverywhere onSignOutEverywhere={onSignOutEverywhere} />);
    await user.click(screen.getByRole('button', { name: 'Sign out everywhere…' }));
    expect(onSignOutEverywhere).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Sign out of every device' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Too many requests');
    await user.click(screen.getByRole('button', { name: 'Sign out of every device' }));
    expect(onSignOutEverywhere).toHaveBeenCalledTimes(2);
  });

  it('Cancel takes the question back', async () => {
    const user = userEvent.setup();
    const onSignOutEverywhere = vi.fn();
    render(<SignOutEverywhere onSignOutEverywhere={onSignOutEverywhere} />);
    await user.click(screen.getByRole('button', { name: 'Sign out everywhere…' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('button', { name: 'Sign out everywhere…' })).toBeTruthy();
    expect(onSignOutEverywhere).not.toHaveBeenCalled();
  });
});
