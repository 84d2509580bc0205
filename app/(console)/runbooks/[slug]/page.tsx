// One runbook: the live state of its checks first, then its steps with their actions
// (links for the subject of the failing check; ?check=<id> picks one, as the Overview's
// and the status page's links do).
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { cachedRunbooks } from '@/lib/adapters/runbooks/runbook-files';
import { listChecks } from '@/lib/read/list-checks';
import { titleOf } from '@/lib/domain/checks/catalog';
import { LiveChecks } from '../../../components/checks-summary';
import { RunbookSteps } from '../runbook-steps';

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function RunbookPage({ params, searchParams }: Props) {
  const user = await requirePageUser();
  const { slug } = await params;
  const { check } = await searchParams;
  const runbook = (await cachedRunbooks()).find((r) => r.slug === slug);
  if (!runbook) notFound();
  const ctx = getConsoleContext();
  const checks = await listChecks(ctx.db, ctx.now());
  const mine = checks.checks.filter((c) => runbook.checks.includes(c.kind));
  const selected = typeof check === 'string' ? mine.find((c) => c.id === check) : undefined;
  // Actions act on the selected check, else on every check of this runbook that is not OK.
  const failing = selected ? [selected] : mine.filter((c) => c.state !== 'OK');
  return (
    <>
      <p><Link href="/runbooks">← Runbooks</Link></p>
      <h1>{runbook.title}</h1>
      <p>{runbook.summary}</p>
      <h2>Live state</h2>
      <p className="muted">Checks: {runbook.checks.map(titleOf).join(', ')}{selected ? <> · acting on <span className="mono" data-testid="selected-check">{selected.subject}</span> (<Link href={`/runbooks/${slug}`}>all</Link>)</> : null}</p>
      <LiveChecks kinds={runbook.checks} initial={checks} emptyText="None of this runbook's checks has a result yet: the checker (workers/checks) writes them." />
      <h2>Steps</h2>
      <RunbookSteps runbook={runbook} role={user.role} failing={failing} />
    </>
  );
}
