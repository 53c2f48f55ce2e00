// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SheetDestination, SheetUpsert } from '../../lib/api-types.ts';
import { SheetForm } from './sheet-form.tsx';

afterEach(cleanup);

const SAVED: SheetDestination = {
  spreadsheet_id: 'abcdefghij0123456789',
  url: 'https://docs.google.com/spreadsheets/d/abcdefghij0123456789/edit',
  tabs: { meta: 'Ads', ga4: 'Analytics', shopify: 'Shop' },
  credential_kind: 'service_account',
  has_secret: true,
  status: 'ok',
  last_checked_at: null,
  last_error: null,
  updated_at: '2026-03-02T00:00:00.000Z',
  oauth_available: false,
};

describe('SheetForm', () => {
  it('sends the URL as typed, the tabs and the credential, and keeps a saved key when left blank', async () => {
    const onSave = vi.fn(async (_input: SheetUpsert) => undefined);
    render(<SheetForm sheet={null} onSave={onSave} />);
    const user = userEvent.setup();
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Credential type' }).value).toBe('oauth_refresh');
    await user.type(screen.getByLabelText('Spreadsheet URL or id'), 'https://docs.google.com/spreadsheets/d/abc/edit');
    await user.clear(screen.getByLabelText('Meta Ads tab'));
    await user.type(screen.getByLabelText('Meta Ads tab'), 'Facebook');
    await user.type(screen.getByLabelText('Refresh token'), '1//refresh-token-value');
    await user.click(screen.getByRole('button', { name: 'Save destination' }));
    expect(onSave).toHaveBeenCalledWith({
      spreadsheet_id: 'https://docs.google.com/spreadsheets/d/abc/edit',
      tabs: { meta: 'Facebook', ga4: 'GA4', shopify: 'Shopify' },
      credential: { kind: 'oauth_refresh', refresh_token: '1//refresh-token-value' },
    });
  });

  it('shows a saved destination without its secret, and the server’s error beside the spreadsheet field', async () => {
    const onSave = vi.fn(async () => {
      throw {
        message: 'spreadsheet_id must be a spreadsheet id or URL',
        data: { appCode: 'VALIDATION_ERROR', httpStatus: 400, details: { field: 'spreadsheet_id' } },
      };
    });
    render(<SheetForm sheet={SAVED} onSave={onSave} />);
    const user = userEvent.setup();
    expect((screen.getByLabelText('Service-account key (JSON)') as HTMLTextAreaElement).value).toBe('');
    expect(screen.getByText(/A credential is saved/)).toBeTruthy();
    expect((screen.getByLabelText('Google Analytics 4 tab') as HTMLInputElement).value).toBe('Analytics');
    await user.click(screen.getByRole('button', { name: 'Save destination' }));
    expect(onSave).toHaveBeenCalledWith({ spreadsheet_id: SAVED.spreadsheet_id, tabs: SAVED.tabs });
    const message = await screen.findByText('spreadsheet_id must be a spreadsheet id or URL');
    expect(screen.getByLabelText('Spreadsheet URL or id').getAttribute('aria-describedby')).toBe(message.id);
  });

  it('a save the server cannot store (no SECRETS_KEY) says so for the whole form', async () => {
    const onSave = vi.fn(async () => {
      throw { message: 'This server cannot store credentials', data: { appCode: 'SECRETS_KEY_MISSING', httpStatus: 503 } };
    });
    render(<SheetForm sheet={null} onSave={onSave} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Spreadsheet URL or id'), 'abcdefghij0123456789');
    await user.type(screen.getByLabelText('Refresh token'), '1//refresh-token-value');
    await user.click(screen.getByRole('button', { name: 'Save destination' }));
    expect((await screen.findByRole('alert')).textContent).toBe('This server cannot store credentials');
  });
});
