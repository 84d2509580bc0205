// A runbook's steps, rendered from Markdown by react-markdown with raw HTML kept as text
// (no rehype-raw). Links `action:<kind>` become the console's own links, built from the
// failing checks' facts (lib/domain/checks/runbook-actions.ts) and shown only to a role
// that may follow them; any other link is an ordinary link that cannot run script.
import Link from 'next/link';
import type { ReactNode } from 'react';
import Markdown, { defaultUrlTransform } from 'react-markdown';
import type { Runbook } from '@/lib/domain/checks/runbook';
import { isRunbookAction, requiredActionOf, resolveAction } from '@/lib/domain/checks/runbook-actions';
import { roleFor, type Role } from '@/lib/domain/roles';
import type { CheckFacts } from '@/lib/domain/checks/check-types';

const ACTION = /^action:([a-z0-9-]+)$/;

function ActionLink({ kind, label, role, failing, declared }: { kind: string; label: ReactNode; role: Role; failing: { subject: string; facts: CheckFacts }[]; declared: readonly string[] }) {
  if (!isRunbookAction(kind) || !declared.includes(kind)) return <span>{label}</span>;
  const links = resolveAction(kind, role, failing);
  if (links.length === 0) {
    return <span className="muted" data-action={kind} title={`Needs the ${roleFor(requiredActionOf(kind))} role`}>{label} (needs the {roleFor(requiredActionOf(kind))} role)</span>;
  }
  if (links.length === 1) {
    return <Link href={links[0]!.href} className="action-link" data-action={kind}>{label}{links[0]!.subject ? <> (<span className="mono">{links[0]!.subject}</span>)</> : null}</Link>;
  }
  return (
    <span data-action={kind}>
      {label}:{' '}
      {links.map((l, i) => (
        <span key={l.href}>
          {i > 0 ? ' · ' : null}
          <Link href={l.href} className="action-link">{l.subject}</Link>
        </span>
      ))}
    </span>
  );
}

export function RunbookSteps({ runbook, role, failing }: { runbook: Runbook; role: Role; failing: { subject: string; facts: CheckFacts }[] }) {
  return (
    <div className="runbook-steps" data-testid="runbook-steps">
      <Markdown
        skipHtml={false}
        urlTransform={(url) => (ACTION.test(url) ? url : defaultUrlTransform(url))}
        components={{
          a: ({ href, children }) => {
            const m = href ? ACTION.exec(href) : null;
            if (m) return <ActionLink kind={m[1]!} label={children} role={role} failing={failing} declared={runbook.actions} />;
            if (!href) return <span>{children}</span>;
            if (href.startsWith('/')) return <Link href={href}>{children}</Link>;
            return <a href={href} rel="noopener noreferrer nofollow" target="_blank">{children}</a>;
          },
        }}
      >
        {runbook.body}
      </Markdown>
    </div>
  );
}
