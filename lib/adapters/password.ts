// Password hashing with Argon2id (@node-rs/argon2: maintained, prebuilt, no install scripts).
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

export async function hashPassword(password: string): Promise<string> {
  return hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never signs anyone in
  }
}

/** A random password of 20 URL-safe characters (~120 bits). */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

// A fixed hash to verify against when the user does not exist, so unknown
// e-mails take as long as wrong passwords.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(generatePassword());
  return dummyHash;
}
