// The notification body of one state change: what changed, the evidence, and the
// runbook to follow (a link into the console). Pure.
import { titleOf } from './catalog';
import type { Transition } from './transitions';

export interface NotificationPayload {
  id: string;
  type: 'check.transition';
  check: { id: string; kind: string; title: string; subject: string };
  from: string | null;
  to: string;
  at: string;
  evidence: string;
  facts: Transition['facts'];
  runbook: { slug: string; title: string; url: string } | null;
  statusUrl: string;
}

export function notificationPayload(t: Transition & { id: string }, runbook: { slug: string; title: string } | null, consoleUrl: string): NotificationPayload {
  const base = consoleUrl.replace(/\/+$/, '');
  return {
    id: t.id,
    type: 'check.transition',
    check: { id: t.checkId, kind: t.kind, title: titleOf(t.kind), subject: t.subject },
    from: t.from,
    to: t.to,
    at: t.at.toISOString(),
    evidence: t.evidence,
    facts: t.facts,
    runbook: runbook ? { ...runbook, url: `${base}/runbooks/${runbook.slug}?check=${encodeURIComponent(t.checkId)}` } : null,
    statusUrl: `${base}/status`,
  };
}
