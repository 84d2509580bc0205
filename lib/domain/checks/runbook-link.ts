// The link from a check to its runbook, with the check in the URL so the runbook's
// actions open that check's subject. Pure; used by client and server components alike.
export function runbookHref(c: { id: string; runbook: { slug: string } | null }): string | null {
  return c.runbook ? `/runbooks/${c.runbook.slug}?check=${encodeURIComponent(c.id)}` : null;
}
