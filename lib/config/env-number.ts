// Numbers from environment variables, strictly. z.coerce.number() is Number(): it takes
// `0x10` (16), `1e3` (1000), ` 5 ` (5), `0b11`, `Infinity`, and the empty string as 0,
// so a typo or a templating accident silently becomes a different setting. Here an
// integer variable takes only plain decimal digits (no sign, no leading zero, no
// spaces, no exponent, no hex), at most 15 of them, within its range; a decimal one
// also takes one fractional part (`0.5`). Anything else is refused with a message the
// parseEnv caller prefixes with the variable's name.
//
// Empty means unset: `VAR=` gets the default, as `${VAR:-default}` does in POSIX shells
// and Compose files, and as libpq does for its PG* variables. An .env template can then
// list every variable with an empty value. Whitespace-only is not empty: it is refused.
import { z } from 'zod';

const INTEGER = /^(0|[1-9][0-9]{0,14})$/;
const DECIMAL = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?$/;
const SHOWN = 40;

/** The value as it is quoted back in a message: at most 40 characters, control characters escaped. */
function quoted(value: string): string {
  const cut = value.length > SHOWN ? `${value.slice(0, SHOWN)}… (${value.length} characters)` : value;
  return JSON.stringify(cut);
}

const unsetWhenEmpty = (v: unknown) => (v === '' ? undefined : v);

function strictNumber(pattern: RegExp, what: string, range: z.ZodNumber, max: number, rangeMessage?: string) {
  return z
    .string({ message: `must be a number${what}` })
    .superRefine((raw, ctx) => {
      if (/^[0-9]{16,}$/.test(raw)) {
        ctx.addIssue({ code: 'custom', message: `${rangeMessage ?? `must be at most ${max}`}, got a ${raw.length}-digit number` });
      } else if (!pattern.test(raw)) {
        ctx.addIssue({ code: 'custom', message: `must be a number${what}, got ${quoted(raw)}` });
      }
    })
    .transform(Number)
    .pipe(range);
}

/** [min, max], with the repository's usual messages (or one message for both ends). */
const within = (n: z.ZodNumber, min: number, max: number, rangeMessage?: string) =>
  n.min(min, rangeMessage ?? `must be at least ${min}`).max(max, rangeMessage ?? `must be at most ${max}`);

/** A whole number within [min, max] written in plain decimal digits; empty or unset → `fallback`. */
export const envInt = (min: number, max: number, fallback: number, rangeMessage?: string) =>
  z.preprocess(
    unsetWhenEmpty,
    strictNumber(INTEGER, ': whole, in plain decimal digits', within(z.number().int(), min, max, rangeMessage), max, rangeMessage).default(fallback),
  );

/** A number within [min, max] in plain decimal notation (`12`, `0.5`); empty or unset → `fallback`. */
export const envDecimal = (min: number, max: number, fallback: number) =>
  z.preprocess(unsetWhenEmpty, strictNumber(DECIMAL, ': in plain decimal notation', within(z.number(), min, max), max).default(fallback));
