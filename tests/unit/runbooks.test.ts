import path from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadRunbooks } from '@/lib/adapters/runbooks/runbook-files';
import { checkKinds } from '@/lib/domain/checks/catalog';
import { actionLinksIn, runbookIndex, toRunbook } from '@/lib/domain/checks/runbook';
import { resolveAction } from '@/lib/domain/checks/runbook-actions';
import { renderToStaticMarkup } from 'react-dom/server';
import { RunbookSteps } from '@/app/(console)/runbooks/runbook-steps';

const dir = path.join(process.cwd(), 'runbooks');

describe('runbooks/', () => {
  it('parse, and every check kind has exactly one runbook', async () => {
    const runbooks = await loadRunbooks(dir);
    const index = runbookIndex(runbooks);
    expect(checkKinds.filter((k) => !index.has(k))).toEqual([]);
    expect(runbooks.map((r) => r.slug)).toEqual(
      expect.arrayContaining(['consumer-lag-high', 'consumer-stalled', 'dlq-growing', 'poison-message', 'outbox-backlog', 'relay-down', 'projection-drift', 'rebuild-failed', 'kafka-unreachable', 'postgres-unreachable']),
    );
  });

  it('every runbook has steps with at least one action link', async () => {
    for (const r of await loadRunbooks(dir)) {
      expect(r.body, r.slug).toMatch(/^## 1\./m);
      expect(actionLinksIn(r.body).length, r.slug).toBeGreaterThan(0);
    }
  });

  it('refuses unknown checks, undeclared actions and JavaScript front matter', async () => {
    expect(() => toRunbook('x', { title: 'Xxx', summary: 'yyy', checks: ['nope'] }, '')).toThrow(/checks.0: must be a check kind/);
    expect(() => toRunbook('x', { title: 'Xxx', summary: 'yyy', checks: ['relay.alive'], actions: [] }, '[go](action:outbox)')).toThrow(/not named in the front matter: outbox/);
    expect(() => toRunbook('x', { title: 'Xxx', summary: 'yyy', checks: ['relay.alive'], actions: ['javascript:alert(1)'] }, '')).toThrow(/must be a runbook action/);
    const tmp = await mkdtemp(path.join(tmpdir(), 'runbooks-'));
    await writeFile(path.join(tmp, 'evil.md'), '---js\n{ title: (() => { globalThis.pwned = 1; return "x" })() }\n---\nbody');
    await expect(loadRunbooks(tmp)).rejects.toThrow(/JavaScript front matter is not allowed/);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it('two runbooks cannot claim one check', () => {
    const a = toRunbook('a', { title: 'Aaa', summary: 'aaa', checks: ['relay.alive'] }, '');
    const b = toRunbook('b', { title: 'Bbb', summary: 'bbb', checks: ['relay.alive'] }, '');
    expect(() => runbookIndex([a, b])).toThrow(/claimed by runbooks a and b/);
  });
});

describe('runbook actions', () => {
  const failing = [
    { subject: 'shipping', facts: { group: 'signalbox.shipping', consumer: 'shipping', causeKey: 'k1' } },
    { subject: 'payments', facts: { group: 'signalbox.payments', consumer: 'payments' } },
  ];
  it('links each failing subject from its facts, encoded', () => {
    expect(resolveAction('consumer-group', 'viewer', failing).map((a) => a.href)).toEqual(['/consumers/signalbox.shipping', '/consumers/signalbox.payments']);
    expect(resolveAction('dlq-consumer', 'viewer', [{ subject: 'a b', facts: { consumer: 'a b' } }])[0]!.href).toBe('/dlq?consumer=a%20b');
    expect(resolveAction('dlq-cause', 'viewer', failing).map((a) => a.href)).toEqual(['/dlq/causes/k1?consumer=shipping']);
  });
  it('falls back to the list without facts, and hides what the role may not do', () => {
    expect(resolveAction('consumer-group', 'viewer', [])).toEqual([{ href: '/consumers?sort=-seconds', subject: null }]);
    expect(resolveAction('dlq-replay-dry-run', 'viewer', failing)).toEqual([]);
    expect(resolveAction('dlq-replay-dry-run', 'operator', failing)[0]!.href).toBe('/dlq/causes/k1#replay');
    expect(resolveAction('projection-rebuild', 'operator', [{ subject: 'p', facts: { projection: 'p' } }])).toEqual([]);
    expect(resolveAction('projection-rebuild', 'admin', [{ subject: 'p', facts: { projection: 'p' } }])[0]!.href).toBe('/projections/p#rebuild');
  });
});

describe('runbook rendering', () => {
  const runbook = toRunbook('x', { title: 'Xxx', summary: 'yyy', checks: ['consumer.status'], actions: ['consumer-group', 'dlq-replay-dry-run'] },
    'a <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n[Open the group](action:consumer-group) [Replay](action:dlq-replay-dry-run) [bad](javascript:alert(1))');
  const render = (role: 'viewer' | 'operator') =>
    renderToStaticMarkup(RunbookSteps({ runbook: { ...runbook, body: `${runbook.body} [undeclared](action:outbox)` }, role, failing: [{ subject: 'shipping', facts: { group: 'signalbox.shipping', consumer: 'shipping', causeKey: 'k1' } }] }));

  it('keeps raw HTML as text, drops javascript: links, builds action links from the failing check', () => {
    const html = render('viewer');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('href="/consumers/signalbox.shipping"');
    expect(html).not.toContain('href="/outbox"'); // an action the front matter does not declare is text
  });

  it('shows an action the role may not take as text naming the role', () => {
    expect(render('viewer')).toContain('Replay (needs the operator role)');
    expect(render('operator')).toContain('href="/dlq/causes/k1#replay"');
  });
});
