// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schedule } from '../../lib/api-types.ts';
import { ScheduleConfig } from './schedule-config.tsx';

afterEach(cleanup);

const NOW = new Date('2026-03-27T12:00:00Z');

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: 1,
    service: 'meta',
    cron: '0 2 * * *',
    enabled: true,
    timezone: 'Europe/London',
    lookback_days: 7,
    last_run_at: null,
    next_run_at: '2026-03-28T02:00:00.000Z',
    pause_after_failures: 5,
    paused_reason: null,
    paused_at: null,
    created_at: '2026-03-01T00:00:00.000Z',
    updated_at: '2026-03-02T00:00:00.000Z',
    ...overrides,
  };
}

function setup(props: Partial<Parameters<typeof ScheduleConfig>[0]> = {}) {
  const onSave = props.onSave ?? vi.fn(async () => undefined);
  render(<ScheduleConfig schedule={schedule()} now={NOW} viewerTimeZone="Asia/Kolkata" {...props} onSave={onSave} />);
  return {
    onSave,
    user: userEvent.setup(),
    cron: () => screen.getByRole<HTMLInputElement>('textbox', { name: 'Cron expression' }),
    frequency: () => screen.getByRole<HTMLSelectElement>('combobox', { name: 'Frequency' }),
    save: () => screen.getByRole<HTMLButtonElement>('button', { name: 'Save' }),
  };
}

describe('ScheduleConfig presets', () => {
  it('recognises the saved expression as a preset and saves nothing until something changes', () => {
    const { cron, frequency, save } = setup();
    expect(cron().value).toBe('0 2 * * *');
    expect(frequency().value).toBe('daily');
    expect(screen.getByText('At 02:00')).toBeTruthy();
    expect(save().disabled).toBe(true);
  });

  it('produces the cron of each preset and its parameters', async () => {
    const { user, cron, frequency } = setup();
    await user.selectOptions(frequency(), 'weekdays');
    expect(cron().value).toBe('0 2 * * 1-5');
    fireEvent.change(screen.getByLabelText('Time'), { target: { value: '07:30' } });
    expect(cron().value).toBe('30 7 * * 1-5');
    await user.selectOptions(frequency(), 'weekly');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Day of the week' }), 'Friday');
    expect(cron().value).toBe('30 7 * * 5');
    await user.selectOptions(frequency(), 'monthly');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Day of the month' }), '15');
    expect(cron().value).toBe('30 7 15 * *');
    await user.selectOptions(frequency(), 'hourly');
    fireEvent.change(screen.getByRole('spinbutton', { name: 'Minute past the hour' }), { target: { value: '45' } });
    expect(cron().value).toBe('45 * * * *');
    await user.selectOptions(frequency(), 'daily');
    expect(cron().value).toBe('45 7 * * *');
  });

  it('switches the preset to match a typed expression, and saves only the changed field', async () => {
    const { user, cron, frequency, save, onSave } = setup();
    await user.clear(cron());
    await user.type(cron(), '15 6 * * 0');
    expect(frequency().value).toBe('weekly');
    expect((screen.getByRole('combobox', { name: 'Day of the week' }) as HTMLSelectElement).value).toBe('0');
    await user.click(save());
    expect(onSave).toHaveBeenCalledWith({ cron: '15 6 * * 0' });
  });
});

describe('ScheduleConfig validation', () => {
  it('shows the problem of an invalid expression at once and keeps Save disabled', async () => {
    const { user, cron, frequency, save } = setup();
    await user.clear(cron());
    await user.type(cron(), '61 * * * *');
    expect(frequency().value).toBe('custom');
    expect(cron().getAttribute('aria-invalid')).toBe('true');
    const help = document.getElementById(cron().getAttribute('aria-describedby') ?? '');
    expect(help?.textContent).toMatch(/invalid cron expression/i);
    expect(save().disabled).toBe(true);
    expect(screen.queryByText(/Next \d runs/)).toBeNull();

    await user.clear(cron());
    await user.type(cron(), '0 * * *');
    expect(help?.textContent).toMatch(/must have 5 fields/);
  });

  it("flags a cron that fires more often than the server's minimum interval as it is typed", async () => {
    const { user, cron, save } = setup({ minIntervalSeconds: 60 });
    await user.clear(cron());
    await user.type(cron(), '*/10 * * * * *');
    expect(cron().getAttribute('aria-invalid')).toBe('true');
    const help = document.getElementById(cron().getAttribute('aria-describedby') ?? '');
    expect(help?.textContent).toBe('Cron expression fires every 10s; the minimum interval is 60s');
    expect(save().disabled).toBe(true);
    await user.clear(cron());
    await user.type(cron(), '*/5 * * * *');
    expect(cron().getAttribute('aria-invalid')).toBeNull();
    expect(save().disabled).toBe(false);
  });

  it("shows the server's message next to the field it concerns, until that field is edited", async () => {
    const onSave = vi.fn(async () => {
      throw {
        message: 'Cron expression fires every 10s; the minimum interval is 60s',
        data: { appCode: 'INVALID_CRON', details: { field: 'cron' } },
      };
    });
    const { user, cron, save } = setup({ onSave });
    await user.clear(cron());
    await user.type(cron(), '*/10 * * * * *');
    await user.click(save());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Cron expression fires every 10s; the minimum interval is 60s');
    expect(alert.id).toBe(cron().getAttribute('aria-describedby'));
    await user.clear(cron());
    await user.type(cron(), '*/10 * * * *');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText('Every 10 minutes')).toBeTruthy();
  });
});

describe('ScheduleConfig lookback days', () => {
  it('shows the schedule’s lookback, saves a new one, and refuses 0 or 29 before calling the server', async () => {
    const { user, save, onSave } = setup();
    const days = () => screen.getByRole<HTMLInputElement>('spinbutton', { name: 'Days fetched again each run' });
    expect(days().value).toBe('7');
    fireEvent.change(days(), { target: { value: '29' } });
    await user.click(save());
    expect((await screen.findByRole('alert')).textContent).toBe('lookback_days must be at most 28');
    expect(onSave).not.toHaveBeenCalled();
    fireEvent.change(days(), { target: { value: '0' } });
    await user.click(save());
    expect((await screen.findByRole('alert')).textContent).toBe('lookback_days must be at least 1');
    fireEvent.change(days(), { target: { value: '14' } });
    expect(screen.queryByRole('alert')).toBeNull();
    await user.click(save());
    expect(onSave).toHaveBeenCalledWith({ lookback_days: 14 });
  });
});

describe('ScheduleConfig next runs', () => {
  it('lists the next 5 fires across the spring DST change in the schedule zone, with a note', () => {
    setup({ schedule: schedule({ cron: '30 1 * * *', timezone: 'Europe/London' }) });
    const list = screen.getByRole('list');
    const times = within(list)
      .getAllByRole('listitem')
      .map((item) => item.querySelector('time')?.getAttribute('datetime'));
    // 01:30 does not exist in London on 29 March 2026 (01:00 GMT jumps to 02:00 BST): croner fires at
    // the end of the gap, 02:00 BST; afterwards 01:30 BST is 00:30 UTC.
    expect(times).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
      '2026-04-01T00:30:00.000Z',
    ]);
    expect(within(list).getAllByText(/your time/)).toHaveLength(5);
    const note = screen.getByRole('note');
    expect(note.textContent).toContain('Clocks change in Europe/London after run 1 (UTC+00:00 → UTC+01:00)');
  });

  it('has no DST note when no clock change falls between the runs', () => {
    setup({ schedule: schedule({ cron: '0 9 * * *', timezone: 'Asia/Kolkata' }) });
    expect(screen.getAllByRole('listitem')).toHaveLength(5);
    expect(screen.queryByRole('note')).toBeNull();
    expect(screen.queryByText(/your time/)).toBeNull();
  });

  it('notes a change in the viewer zone too, and follows a new zone at once', async () => {
    const { user } = setup({
      schedule: schedule({ cron: '0 9 * * *', timezone: 'Asia/Kolkata' }),
      viewerTimeZone: 'Europe/Paris',
    });
    expect(screen.getByRole('note').textContent).toContain('Europe/Paris after run 1 (UTC+01:00 → UTC+02:00)');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Time zone' }), 'America/New_York');
    const first = screen.getAllByRole('listitem')[0]?.querySelector('time')?.getAttribute('datetime');
    expect(first).toBe('2026-03-27T13:00:00.000Z');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Save' }).disabled).toBe(false);
  });
});

describe('ScheduleConfig time zone', () => {
  it("proposes the viewer's zone for a schedule never saved, as an unsaved change", () => {
    setup({
      schedule: schedule({ timezone: 'Asia/Kolkata', enabled: false, updated_at: '2026-03-01T00:00:00.000Z' }),
      viewerTimeZone: 'America/New_York',
    });
    const select = screen.getByRole<HTMLSelectElement>('combobox', { name: 'Time zone' });
    expect(select.value).toBe('America/New_York');
    expect(select.selectedOptions[0]?.textContent).toMatch(/^America\/New York \(UTC-04:00\)$/);
    expect(screen.getByText(/Never saved yet/)).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Save' }).disabled).toBe(false);
  });

  it('filters the zone list by name or offset, keeping the chosen zone', async () => {
    const { user } = setup();
    const search = screen.getByRole('searchbox', { name: 'Search time zones' });
    await user.type(search, 'kathmandu');
    const zones = within(screen.getByRole('combobox', { name: 'Time zone' }))
      .getAllByRole('option')
      .map((option) => option.getAttribute('value'));
    expect(zones).toEqual(['Europe/London', 'Asia/Kathmandu']);
    await user.clear(search);
    await user.type(search, 'calcutta');
    expect(
      within(screen.getByRole('combobox', { name: 'Time zone' })).getByRole('option', { name: 'Asia/Kolkata (UTC+05:30)' }),
    ).toBeTruthy();
    await user.clear(search);
    await user.type(search, '+05:45');
    expect(
      within(screen.getByRole('combobox', { name: 'Time zone' }))
        .getAllByRole('option')
        .map((o) => o.getAttribute('value')),
    ).toEqual(['Europe/London', 'Asia/Kathmandu']);
  });
});
