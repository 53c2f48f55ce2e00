import { useEffect, useRef, useState } from 'react';
import { serviceLabel } from '../../lib/services.ts';

type Outcome = { ok: boolean; message: string } | null;

/** The provider's redirect lands on /connections?connected=<service|sheets> or ?error=<message>. */
export function readOAuthOutcome(location: Pick<Location, 'pathname' | 'search'>): Outcome {
  if (location.pathname !== '/connections') return null;
  const params = new URLSearchParams(location.search);
  const connected = params.get('connected');
  if (connected) {
    const name = connected === 'sheets' ? 'Your Google Sheet' : serviceLabel(connected);
    return { ok: true, message: `${name} is connected. Test it below to check it works.` };
  }
  const error = params.get('error');
  return error ? { ok: false, message: error } : null;
}

/** Shows the outcome once, scrolls to it, and tidies the address so a reload does not repeat it. */
export function OAuthOutcome() {
  const [outcome, setOutcome] = useState<Outcome>(() => readOAuthOutcome(window.location));
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!outcome) return;
    ref.current?.scrollIntoView?.({ block: 'center' });
    window.history.replaceState(null, '', '/connections');
  }, [outcome]);
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
