// @vitest-environment node
import '../../../test/dom.ts';
import { OAUTH_ERROR_CODES } from '@kpi/api/validators';
import { cleanup, render, screen } from '@testing-library/react';
import { BrowserRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { OAuthOutcome, readOAuthOutcome } from './oauth-outcome.tsx';

afterEach(cleanup);

/** The page as the browser opens it from a link: whatever query the link's author chose. */
function openAt(pathAndQuery: string) {
  window.history.replaceState(null, '', pathAndQuery);
  return render(
    <BrowserRouter>
      <OAuthOutcome />
    </BrowserRouter>,
  );
}

describe('OAuthOutcome', () => {
  it('an attacker’s ?error= text is not shown: no notice at all, and the text appears nowhere on the page', () => {
    const lure = 'Your account is locked, call +1 555 0100 to unlock it';
    const { container } = openAt(`/connections?error=${encodeURIComponent(lure)}&target=meta`);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(container.textContent).toBe('');
    expect(document.body.textContent).not.toContain('555');
  });

  it('an attacker’s ?connected= text is not shown either', () => {
    const { container } = openAt(`/connections?connected=${encodeURIComponent('Your bank account. Call +1 555 0100')}`);
    expect(screen.queryByRole('status')).toBeNull();
    expect(container.textContent).toBe('');
  });

  it('a known code shows the app’s own text, naming the provider from the target code', () => {
    openAt('/connections?error=oauth_denied&target=ga4');
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('You did not allow access at Google; nothing was saved. Connect again to retry.');
    // The address is tidied so a reload does not show it again.
    expect(window.location.search).toBe('');
  });

  it('a known code with a made-up target still shows only the app’s text', () => {
    openAt(`/connections?error=oauth_not_granted&target=${encodeURIComponent('call +1 555 0100')}`);
    expect(screen.getByRole('alert').textContent).toContain('The provider did not grant access; nothing was saved.');
    expect(document.body.textContent).not.toContain('555');
  });

  it('a successful connection names the service from its code', () => {
    openAt('/connections?connected=sheets');
    expect(screen.getByRole('status').textContent).toContain('Your Google Sheet is connected.');
  });
});

describe('readOAuthOutcome', () => {
  it('words every code the server can send, and reads the redirect on /connections only', () => {
    for (const code of OAUTH_ERROR_CODES) {
      const outcome = readOAuthOutcome({ pathname: '/connections', search: `?error=${code}&target=shopify` });
      expect(outcome?.ok, code).toBe(false);
      expect(outcome?.message.length, code).toBeGreaterThan(20);
    }
    expect(readOAuthOutcome({ pathname: '/connections', search: '?connected=ga4' })).toEqual({
      ok: true,
      message: 'Google Analytics 4 is connected. Test it below to check it works.',
    });
    expect(readOAuthOutcome({ pathname: '/connections', search: '?error=state%20mismatch' })).toBeNull();
    expect(readOAuthOutcome({ pathname: '/', search: '?error=oauth_denied' })).toBeNull();
  });
});
