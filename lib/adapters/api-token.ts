// Making and hashing API tokens (the secret part of lib/auth/api-token.ts), beside
// password hashing: use cases (lib/app/create-api-token.ts) make tokens, the auth layer
// checks them, and neither has to import the other.
//
// Stored as SHA-256 of the token, not with a slow password hash: the token is 256 bits
// from the CSPRNG, so there is nothing to brute-force or look up in a dictionary (slow
// hashes protect low-entropy passwords); a fast hash also lets every request find its
// token by an indexed equality lookup instead of trying a slow hash per stored token.
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'sbx_';

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token (shown once), its hash (stored) and a short prefix that identifies it in lists. */
export function newApiToken(): { token: string; hash: string; prefix: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashApiToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) };
}
