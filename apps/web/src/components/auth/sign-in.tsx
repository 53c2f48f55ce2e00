import { type FormEvent, useId, useState } from 'react';
import { useAuth } from '../../hooks/use-auth.ts';

export function SignIn() {
  const { signIn, pending } = useAuth();
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(await signIn(String(form.get('email') ?? ''), String(form.get('password') ?? '')));
  }

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-describedby={error ? errorId : undefined}>
        <h1>KPI sync scheduler</h1>
        <p className="muted">Sign in to manage your data-source schedules.</p>
        <label className="field">
          <span>E-mail</span>
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p id={errorId} className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
