import { isOAuthErrorCode, isOAuthTarget, type OAuthErrorCode, type OAuthTarget } from '@kpi/api/validators';
import { useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { serviceLabel } from '../../lib/services.ts';

type Outcome = { ok: boolean; message: string } | null;

const PROVIDER_NAMES: Record<OAuthTarget, string> = { meta: 'Meta', ga4: 'Google', sheets: 'Google', shopify: 'Shopify' };

// The app's own words for each code the callback sends. The query is anyone's to write (a link in a
// phishing mail), so its text is never shown: an unknown code shows nothing at all.
const ERROR_TEXT: Record<OAuthErrorCode, (provider: string) => string> = {
  oauth_denied: (provider) => `You did not allow access at ${provider}; nothing was saved. Connect again to retry.`,
  oauth_not_granted: (provider) => `${provider} did not grant access; nothing was saved. Connect again to retry.`,
  oauth_exchange_failed: (provider) =>
    `${provider} did not confirm the sign-in; nothing was saved. Start the connection again (for Shopify, with the shop you signed in to).`,
  oauth_cannot_store: () => 'This server cannot store credentials (it has no SECRETS_KEY); nothing was saved. Ask its operator.',
  oauth_failed: () => 'The connection could not be saved. Start it again.',
};

/** The callback lands on /connections?connected=<target> or ?error=<code>&target=<target>. */
export function readOAuthOutcome(location: Pick<Location, 'pathname' | 'search'>): Outcome {
  if (location.pathname !== '/connections') return null;
  const params = new URLSearchParams(location.search);
  const connected = params.get('connected');
  if (isOAuthTarget(connected)) {
    const name = connected === 'sheets' ? 'Your Google Sheet' : serviceLabel(connected);
    return { ok: true, message: `${name} is connected. Test it below to check it works.` };
  }
  const error = params.get('error');
  if (!isOAuthErrorCode(error)) return null;
  const target = params.get('target');
  return { ok: false, message: ERROR_TEXT[error](isOAuthTarget(target) ? PROVIDER_NAMES[target] : 'The provider') };
}

/** Shows the outcome once, scrolls to it, and tidies the address so a reload does not repeat it. */
export function OAuthOutcome() {
  const location = useLocation();
  const navigate = useNavigate();
  const [outcome, setOutcome] = useState<Outcome>(() => readOAuthOutcome(location));
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!outcome) return;
    ref.current?.scrollIntoView?.({ block: 'center' });
    void navigate('/connections', { replace: true });
  }, [outcome, navigate]);
  if (!outcome) return null;
  return (
    <div ref={ref} className={`notice ${outcome.ok ? 'notice-ok' : 'notice-error'}`} role={outcome.ok ? 'status' : 'alert'}>
      <strong>{outcome.ok ? 'Connected' : 'The connection did not complete'}</strong>
      <span>{outcome.message}</span>
      <button type="button" className="button-secondary" onClick={() => setOutcome(null)}>
        Dismiss
      </button>
    </div>
  );
}
