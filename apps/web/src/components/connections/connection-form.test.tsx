// @vitest-environment node
import '../../../test/dom.ts';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Connection, ConnectionUpsert } from '../../lib/api-types.ts';
import { ConnectionForm } from './connection-form.tsx';

afterEach(cleanup);

function connection(overrides: Partial<Connection> = {}): Connection {
  return {
    service: 'ga4',
    mode: 'sample',
    account_id: null,
    credential_kind: null,
    has_secret: false,
    status: null,
    last_checked_at: null,
    last_error: null,
    token_expires_at: null,
    conversion_action_types: null,
    timezone: null,
    updated_at: null,
    oauth_available: false,
    ...overrides,
  };
}

const SAVED_GA4 = connection({
  mode: 'live',
  account_id: '123456789',
  credential_kind: 'oauth_refresh',
  has_secret: true,
  status: 'ok',
  updated_at: '2026-03-02T00:00:00.000Z',
});

function setup(value: Connection, onSave = vi.fn(async (_input: ConnectionUpsert) => undefined)) {
  render(<ConnectionForm connection={value} onSave={onSave} />);
  return { onSave, user: userEvent.setup() };
}

const secretInputs = () =>
  [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input[type=password], textarea')].map((el) => el.value);

describe('ConnectionForm', () => {
  it('switches the secret inputs with the credential type and sends that kind', async () => {
    const { user, onSave } = setup(connection());
    const kind = screen.getByRole<HTMLSelectElement>('combobox', { name: 'Credential type' });
    expect([...kind.options].map((o) => o.value)).toEqual(['oauth_refresh', 'service_account']);
    expect(screen.getByLabelText('Refresh token')).toBeTruthy();
    expect(screen.queryByLabelText('Service-account key (JSON)')).toBeNull();

    await user.selectOptions(kind, 'service_account');
    expect(screen.queryByLabelText('Refresh token')).toBeNull();
    const key = screen.getByLabelText('Service-account key (JSON)');
    await user.type(screen.getByLabelText('GA4 property id'), '987654321');
    await user.click(key);
    await user.paste('{"client_email":"kpi@p.iam.gserviceaccount.com","private_key":"-----BEGIN"}');
    await user.click(screen.getByRole('button', { name: 'Save connection' }));
    expect(onSave).toHaveBeenCalledWith({
      service: 'ga4',
      account_id: '987654321',
      credential: { kind: 'service_account', key: '{"client_email":"kpi@p.iam.gserviceaccount.com","private_key":"-----BEGIN"}' },
    });
  });

  it('Meta offers only an access token, with no type to choose', () => {
    setup(connection({ service: 'meta' }));
    expect(screen.queryByRole('combobox', { name: 'Credential type' })).toBeNull();
    expect(screen.getByLabelText('Access token')).toBeTruthy();
    expect(screen.getByLabelText('Ad account id')).toBeTruthy();
  });

  it('never shows a saved secret, keeps it when the inputs stay blank, and clears a typed one after saving', async () => {
    const { user, onSave } = setup(SAVED_GA4);
    expect(screen.getByText(/A credential is saved/)).toBeTruthy();
    expect(secretInputs().every((value) => value === '')).toBe(true);
    expect((screen.getByLabelText('GA4 property id') as HTMLInputElement).value).toBe('123456789');

    await user.click(screen.getByRole('button', { name: 'Save connection' }));
    expect(onSave).toHaveBeenLastCalledWith({ service: 'ga4', account_id: '123456789' });

    await user.type(screen.getByLabelText('Refresh token'), '1//new-refresh-token');
    expect((screen.getByLabelText('Refresh token') as HTMLInputElement).type).toBe('password');
    await user.click(screen.getByRole('button', { name: 'Save connection' }));
    expect(onSave).toHaveBeenLastCalledWith({
      service: 'ga4',
      account_id: '123456789',
      credential: { kind: 'oauth_refresh', refresh_token: '1//new-refresh-token' },
    });
    expect(secretInputs().every((value) => value === '')).toBe(true);
    expect(document.body.textContent).not.toContain('1//new-refresh-token');
  });

  it('shows the server’s message beside the field it names, and keeps what was typed', async () => {
    const onSave = vi.fn(async () => {
      throw {
        message: 'credential.access_token: access_token looks too short',
        data: { appCode: 'VALIDATION_ERROR', httpStatus: 400, details: { field: 'credential.access_token' } },
      };
    });
    const { user } = setup(connection({ service: 'meta' }), onSave);
    await user.type(screen.getByLabelText('Ad account id'), '1234');
    await user.type(screen.getByLabelText('Access token'), 'short');
    await user.click(screen.getByRole('button', { name: 'Save connection' }));

    const token = screen.getByLabelText('Access token');
    const message = await screen.findByText('credential.access_token: access_token looks too short');
    expect(token.getAttribute('aria-invalid')).toBe('true');
    expect(token.getAttribute('aria-describedby')).toBe(message.id);
    expect(screen.getByLabelText('Ad account id').getAttribute('aria-invalid')).toBeNull();
    expect((token as HTMLInputElement).value).toBe('short');
  });

  it('puts an account id error under the account id', async () => {
    const onSave = vi.fn(async () => {
      throw {
        message: 'account_id must be the shop domain, like my-shop.myshopify.com',
        data: { appCode: 'VALIDATION_ERROR', httpStatus: 400, details: { field: 'account_id' } },
      };
    });
    const { user } = setup(connection({ service: 'shopify' }), onSave);
    await user.type(screen.getByLabelText('Shop domain'), 'not a shop');
    await user.type(screen.getByLabelText('Access token'), 'shpat_0123456789');
    await user.click(screen.getByRole('button', { name: 'Save connection' }));
    const message = await screen.findByText(/must be the shop domain/);
    expect(screen.getByLabelText('Shop domain').getAttribute('aria-describedby')).toBe(message.id);
  });
});
