'use client';

import { useState, type FormEvent } from 'react';
import { signIn } from 'next-auth/react';

const messages: Record<string, string> = {
  CredentialsSignin: 'E-mail or password is wrong.',
  Throttled: 'Too many failed attempts. Wait a few minutes, then try again.',
};

export function SignInForm({ callbackUrl, initialError }: { callbackUrl: string; initialError: string | null }) {
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await signIn('credentials', {
      email: String(form.get('email') ?? ''),
      password: String(form.get('password') ?? ''),
      redirect: false,
    });
    if (result?.ok && !result.error) {
      window.location.assign(callbackUrl);
      return;
    }
    setPending(false);
    setError(messages[result?.error ?? ''] ?? 'Sign-in failed. Try again.');
  }

  return (
    <form onSubmit={onSubmit} aria-label="Sign in">
      <label htmlFor="email">E-mail</label>
      <input id="email" name="email" type="email" autoComplete="username" required autoFocus style={{ width: '100%' }} />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required style={{ width: '100%' }} />
      {error ? (
        <div role="alert" className="error-box">
          ⚠ {error}
        </div>
      ) : null}
      <div className="row" style={{ marginTop: 12 }}>
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </div>
    </form>
  );
}
