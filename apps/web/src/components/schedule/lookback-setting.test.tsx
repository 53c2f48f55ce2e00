// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LookbackSetting } from './lookback-setting.tsx';

afterEach(cleanup);

describe('LookbackSetting', () => {
  it('saves a new number of days, and refuses one outside the bounds before asking the server', async () => {
    const user = userEvent.setup();
    const onSave = vi.fn(async () => ({}));
    render(<LookbackSetting days={7} min={1} max={28} onSave={onSave} />);
    const field = screen.getByLabelText('Days fetched again') as HTMLInputElement;
    expect(field.value).toBe('7');
    expect((screen.getByRole('button', { name: 'Save lookback' }) as HTMLButtonElement).disabled).toBe(true);

    await user.clear(field);
    await user.type(field, '40');
    await user.click(screen.getByRole('button', { name: 'Save lookback' }));
    expect(screen.getByRole('alert').textContent).toBe('Choose a whole number of days from 1 to 28');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(onSave).not.toHaveBeenCalled();

    await user.clear(field);
    await user.type(field, '14');
    expect(screen.getByText(/fetches the last 14 complete days/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Save lookback' }));
    expect(onSave).toHaveBeenCalledWith(14);
  });

  it("shows the server's refusal under the field", async () => {
    const user = userEvent.setup();
    const onSave = vi.fn(async () => {
      throw Object.assign(new Error('lookback_days must be at most 28'), { data: { httpStatus: 400 } });
    });
    render(<LookbackSetting days={3} min={1} max={60} onSave={onSave} />);
    const field = screen.getByLabelText('Days fetched again');
    await user.clear(field);
    await user.type(field, '30');
    await user.click(screen.getByRole('button', { name: 'Save lookback' }));
    expect((await screen.findByRole('alert')).textContent).toBe('lookback_days must be at most 28');
  });
});
