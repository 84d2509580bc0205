// A runbook file: Markdown with front matter naming the checks it answers and the actions
// its steps offer. Parsed and validated here (pure); the files are read by
// lib/adapters/runbooks/runbook-files.ts.
import { z } from 'zod';
import { isCheckKind } from './catalog';
import { isRunbookAction, type RunbookActionKind } from './runbook-actions';

export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const runbookFrontMatterSchema = z.strictObject({
  title: z.string().min(3).max(120),
  summary: z.string().min(3).max(400),
  checks: z.array(z.string().refine(isCheckKind, 'must be a check kind (lib/domain/checks/catalog.ts)')).min(1),
  actions: z.array(z.string().refine(isRunbookAction, 'must be a runbook action (lib/domain/checks/runbook-actions.ts)')).default([]),
});

export interface Runbook {
  slug: string;
  title: string;
  summary: string;
  checks: string[];
  actions: RunbookActionKind[];
  /** The Markdown body (steps); rendered with raw HTML as text. */
  body: string;
}

/** `action:<kind>` link targets used in the body. */
export function actionLinksIn(body: string): string[] {
  return [...body.matchAll(/\]\(action:([a-z0-9-]+)\)/g)].map((m) => m[1]!);
}

/** Validates one parsed file; throws with the file's name and what is wrong. */
export function toRunbook(slug: string, data: unknown, body: string): Runbook {
  if (!SLUG.test(slug)) throw new Error(`runbooks/${slug}.md: the file name must be a slug (a-z, 0-9, dashes)`);
  const parsed = runbookFrontMatterSchema.safeParse(data);
  if (!parsed.success) throw new Error(`runbooks/${slug}.md: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const fm = parsed.data;
  const undeclared = actionLinksIn(body).filter((a) => !(fm.actions as string[]).includes(a));
  if (undeclared.length > 0) throw new Error(`runbooks/${slug}.md: steps use actions not named in the front matter: ${[...new Set(undeclared)].join(', ')}`);
  return { slug, title: fm.title, summary: fm.summary, checks: fm.checks, actions: fm.actions as RunbookActionKind[], body };
}

/** Check kind → the runbook that answers it; throws when two runbooks claim one kind. */
export function runbookIndex(runbooks: readonly Runbook[]): Map<string, Runbook> {
  const index = new Map<string, Runbook>();
  for (const r of runbooks) {
    for (const k of r.checks) {
      const other = index.get(k);
      if (other) throw new Error(`check ${k} is claimed by runbooks ${other.slug} and ${r.slug}; one runbook per check`);
      index.set(k, r);
    }
  }
  return index;
}
