import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { verifyCredentials } from '../app/verify-credentials';
import { getConsoleContext } from '../console/context';
import { isRole } from '../domain/roles';
import { clientAddressFrom } from './client-address';

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

export function buildAuthOptions(): NextAuthOptions {
  const ctx = getConsoleContext();
  return {
    secret: ctx.secret,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: '/signin', error: '/signin' },
    providers: [
      CredentialsProvider({
        name: 'E-mail and password',
        credentials: { email: { label: 'E-mail', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials, req) {
          const result = await verifyCredentials(
            {
              db: ctx.db,
              now: ctx.now,
              policy: {
                maxFailures: ctx.env.SIGNIN_MAX_FAILURES,
                windowSeconds: ctx.env.SIGNIN_WINDOW_SECONDS,
                lockSeconds: ctx.env.SIGNIN_LOCK_SECONDS,
              },
            },
            {
              email: credentials?.email,
              password: credentials?.password,
              clientAddress: clientAddressFrom(req?.headers ?? {}, ctx.env.TRUST_PROXY_HEADERS),
            },
          );
          if (result.ok) return { id: result.user.id, email: result.user.email, name: result.user.name, role: result.user.role };
          // next-auth turns a thrown error's message into ?error=<message> on the sign-in page.
          throw new Error(result.reason === 'throttled' ? 'Throttled' : 'CredentialsSignin');
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user && 'role' in user && isRole(user.role)) {
          token.sub = user.id;
          token.role = user.role;
        }
        return token;
      },
      session({ session, token }) {
        if (session.user) {
          session.user.id = token.sub ?? '';
          session.user.role = isRole(token.role) ? token.role : 'viewer';
        }
        return session;
      },
    },
  };
}
