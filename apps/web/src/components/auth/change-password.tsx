import { useAuth } from '../../hooks/use-auth.ts';
import { PasswordForm } from './password-form.tsx';

/**
 * Shown instead of every page while the account must change its password (the first administrator,
 * whose generated password went to the server log). Other sessions end when the password changes.
 */
export function ChangePassword({ email }: { email: string }) {
  const { signOut, pending: signingOut } = useAuth();
  return (
    <main className="sign-in">
      <div className="card sign-in-card">
        <h1>Choose a new password</h1>
        <p className="muted">
          {email} signs in with a generated password that was written to the server log. Set your own before you go on.
        </p>
        <PasswordForm
          extra={
            <button type="button" className="button-secondary" onClick={() => void signOut()} disabled={signingOut}>
              Sign out
            </button>
          }
        />
      </div>
    </main>
  );
}
