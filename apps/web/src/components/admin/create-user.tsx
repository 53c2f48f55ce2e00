import { type FormEvent, useState } from 'react';
import type { NewUser } from '../../lib/api-types.ts';
import { describeError } from '../../lib/errors.ts';

/** Creates an account while the server runs (no CLI needed, on the embedded database too). */
export function CreateUser({ onCreate }: { onCreate: (user: NewUser) => Promise<unknown> }) {
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const user: NewUser = {
      email: String(data.get('email') ?? ''),
      password: String(data.get('password') ?? ''),
      role: data.get('role') === 'admin' ? 'admin' : 'user',
    };
    setPending(true);
    setError(null);
    setCreated(null);
    try {
      await onCreate(user);
      setCreated(user.email);
      form.reset();
    } catch (failure) {
      setError(describeError(failure).message);
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="row create-user" onSubmit={(event) => void submit(event)}>
      <label className="field">
        <span>E-mail</span>
        <input name="email" type="email" autoComplete="off" required />
      </label>
      <label className="field">
        <span>Initial password</span>
        <input name="password" type="password" autoComplete="new-password" minLength={8} required />
      </label>
      <label className="field field-narrow">
        <span>Role</span>
        <select name="role" defaultValue="user">
          <option value="user">User</option>
          <option value="admin">Administrator</option>
        </select>
      </label>
      <button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create user'}
      </button>
      <p className="small grow" role="status">
        {created && `Created ${created}.`}
      </p>
      {error && (
        <p className="field-error grow" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
