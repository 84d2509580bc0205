// Free text an operator types (a reason, a note). PostgreSQL's text and jsonb cannot
// hold U+0000, so a NUL would fail in the database as a 500; it is refused here as a
// clear bad_request instead. Every other character is data (bound parameters, escaped output).
import { z } from 'zod';

/** `schema`, refusing any NUL character. */
export function withoutNul(schema: z.ZodString): z.ZodString {
  return schema.regex(/^[^\u0000]*$/, 'must not contain NUL characters (U+0000)');
}

/** A trimmed string of min..max characters without NUL. */
export function operatorText(min: number, max: number, tooShort?: string): z.ZodString {
  return withoutNul(z.string().trim().min(min, tooShort).max(max));
}
