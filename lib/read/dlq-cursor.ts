// Opaque keyset cursors of the DLQ lists: base64url JSON of the last row's sort key.
import { z } from 'zod';
import { AppError } from '../errors';

/** The page parameters of a DLQ list: the cursor from the previous page and a page size up to `maxLimit`. */
export function pageParams(maxLimit: number) {
  return {
    cursor: z.string().max(400).optional(),
    limit: z.coerce.number().int().min(1).max(maxLimit).default(50),
  };
}

export function encodeCursor(value: { at: Date; key: string }): string {
  return Buffer.from(JSON.stringify({ at: value.at.toISOString(), key: value.key })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { at: Date; key: string } | null {
  if (!cursor) return null;
  try {
    const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { at?: unknown; key?: unknown };
    const at = new Date(String(raw.at));
    if (typeof raw.key !== 'string' || Number.isNaN(at.getTime())) throw new Error('bad cursor');
    return { at, key: raw.key };
  } catch {
    throw new AppError('bad_request', 'Invalid cursor; start from the first page.');
  }
}
