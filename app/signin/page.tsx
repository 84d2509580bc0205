import { SignInForm } from './sign-in-form';
import { safeCallbackPath } from '@/lib/http/safe-callback';

export const dynamic = 'force-dynamic';

const messages: Record<string, string> = {
  CredentialsSignin: 'E-mail or password is wrong.',
  Throttled: 'Too many failed attempts. Wait a few minutes, then try again.',
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const params = await searchParams;
  const error = typeof params.error === 'string' ? (messages[params.error] ?? 'Sign-in failed. Try again.') : null;
  return (
    <main className="signin">
      <div className="panel">
        <h1>Sign in to Signalbox</h1>
        <p className="muted">Operations console for Kafka consumers, the outbox, DLQ and projections.</p>
        <SignInForm callbackUrl={safeCallbackPath(params.callbackUrl)} initialError={error} />
      </div>
      <p className="muted">
        No account? An admin creates one with <code>npm run user:create -- --email you@example.com --role operator</code>.
      </p>
    </main>
  );
}
