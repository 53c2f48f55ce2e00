import { useState } from 'react';
import { SignOutEverywhere } from '../components/account/sign-out-everywhere.tsx';
import { PasswordForm } from '../components/auth/password-form.tsx';
import { PageTitle } from '../components/layout/page-title.tsx';
import { useAuth } from '../hooks/use-auth.ts';
import { useViewer } from '../hooks/use-viewer.ts';
import { trpc } from '../lib/trpc.ts';

export function AccountPage() {
  const viewer = useViewer();
  const [ended, setEnded] = useState<number | null>(null);
  const everywhere = trpc.auth.signOutEverywhere.useMutation();
  const { signOut } = useAuth();
  return (
    <>
      <PageTitle title="Account" />
      <div className="schedule-grid">
        <section className="card" aria-labelledby="account-who">
          <h2 id="account-who" className="card-title">
            Signed in as
          </h2>
          <dl className="facts">
            <div>
              <dt>E-mail</dt>
              <dd>{viewer.email}</dd>
            </div>
            <div>
              <dt>Role</dt>
              <dd>{viewer.role === 'admin' ? 'Administrator' : 'User'}</dd>
            </div>
          </dl>
        </section>
        <section className="card" aria-labelledby="account-password">
          <h2 id="account-password" className="card-title">
            Change password
          </h2>
          <p className="muted small">Your other sessions end when the password changes; this one stays signed in.</p>
          <PasswordForm onChanged={setEnded} />
          <p role="status" className="small">
            {ended !== null && `Password changed. ${ended} other ${ended === 1 ? 'session' : 'sessions'} signed out.`}
          </p>
        </section>
        <section className="card" aria-labelledby="account-everywhere">
          <h2 id="account-everywhere" className="card-title">
            Sign out everywhere
          </h2>
          <p className="muted small">Ends every session of this account, on every device, this one included.</p>
          <SignOutEverywhere
            onSignOutEverywhere={async () => {
              // The server has ended this session too; signing out clears what is cached and shows sign-in.
              await everywhere.mutateAsync();
              await signOut();
            }}
          />
        </section>
      </div>
    </>
  );
}
