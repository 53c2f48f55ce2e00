import { useId, useState } from 'react';
import { PROVIDER_NAMES } from '../../lib/credentials.ts';
import type { Service } from '../../lib/services.ts';

type Props = { target: Service | 'sheets'; accountId: string | null; label: string };

function startUrl(target: Service | 'sheets', accountId: string): string {
  if (target === 'sheets') return `/api/sheets/oauth/start?spreadsheet_id=${encodeURIComponent(accountId)}`;
  return `/api/connections/${target}/oauth/start?account_id=${encodeURIComponent(accountId)}`;
}

/**
 * "Connect with …", offered when the operator configured the provider's OAuth client. The provider sends
 * the browser back to /connections, which shows the outcome.
 */
export function OAuthLink({ target, accountId, label }: Props) {
  const id = useId();
  const [value, setValue] = useState(accountId ?? '');
  const provider = PROVIDER_NAMES[target];
  return (
    <div className="oauth">
      <p className="muted small">Or sign in with {provider} instead of pasting a credential:</p>
      <div className="row">
        <label className="field grow">
          <span>
            {label} for {provider} sign-in
          </span>
          <input id={id} value={value} onChange={(event) => setValue(event.target.value)} autoComplete="off" spellCheck={false} />
        </label>
        {value.trim() ? (
          <a className="button-link" href={startUrl(target, value.trim())}>
            Connect with {provider}
          </a>
        ) : (
          <span className="muted small">Fill this in to continue with {provider}.</span>
        )}
      </div>
    </div>
  );
}
