// Process-level faults of issue #12 on the real demo workers (docs/faults.md): a
// rebalance storm (extra demo-consumers processes started and stopped), the consumers
// SIGKILLed between a transaction's commit and the Kafka offset commit, and a long
// transaction holding an early outbox row while later rows are published. Each fault
// that aims at particular events registers a check of its own (FaultContext.addCheck).
import pg from 'pg';
import { withWatchClient } from './watch-client';
import type { Admin } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '@/lib/adapters/prisma/client';
import { createKafka } from '@/lib/adapters/kafka/kafka-client';
import { runOrderCommand } from '@/lib/demo/orders/commands';
import { buildOrderCommand, placeOrderSchema } from '@/lib/demo/orders/command-schemas';
import { ORDERS_TOPIC } from '@/lib/demo/orders/events';
import { createOrderOutboxWriter } from '@/lib/demo/orders/outbox';
import { demoDefinitions } from './checks';
import { GROUP_PREFIX } from './monitor';
import type { FaultContext, FaultStep } from './run-scenario';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const groupOf = (consumer: string) => `${GROUP_PREFIX}.${consumer}`;

async function withAdmin<T>(ctx: FaultContext, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka({ brokers: ctx.sys.kafka.brokers, clientId: 'fault-harness', logLevel: 'silent' }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Member ids of each demo consumer group. */
async function groupMembers(admin: Admin): Promise<Map<string, string[]>> {
  const { groups } = await admin.describeGroups(demoDefinitions.map((d) => groupOf(d.name)));
  return new Map(groups.map((g) => [g.groupId, g.members.map((m) => m.memberId)]));
}

/** "1" when every group has as many members, else min–max. */
function memberCount(members: Map<string, string[]>): string {
  const counts = [...members.values()].map((m) => m.length);
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  return min === max ? String(min) : `${min}–${max}`;
}

/** Waits until every demo group has at least `n` members not in `known`; returns the seconds it took, or null after timeoutMs. */
async function newMembersJoined(admin: Admin, known: Map<string, string[]>, n: number, timeoutMs: number): Promise<number | null> {
  const from = Date.now();
  while (Date.now() - from < timeoutMs) {
    const now = await groupMembers(admin).catch(() => null);
    if (now && [...now].every(([group, ids]) => ids.filter((id) => !(known.get(group) ?? []).includes(id)).length >= n)) return (Date.now() - from) / 1000;
    await sleep(500);
  }
  return null;
}

/**
 * Consumers 1 → 3 → 1, each level held `holdSeconds`, from the step's start and at least
 * twice, while the next cycle can start before `untilSeconds` (after the start of traffic):
 * two extra demo-consumers processes (the same six groups) started; once both have joined
 * every group (new member ids; a process takes 10–30 s to start on a loaded machine) they
 * stay `holdSeconds`, then one is stopped with SIGTERM (it leaves its groups) and one with
 * SIGKILL (its groups notice only when its 30 s session times out, or at the next rebalance);
 * `holdSeconds` with one process. The note gives the members per group at each step.
 */
export function rebalanceStorm(atSeconds: number, untilSeconds: number, holdSeconds = 10): FaultStep {
  return {
    label: `rebalance storm: demo consumers 1 → 3 → 1, ${holdSeconds} s at each level (extras stopped one by SIGTERM, one by SIGKILL)`,
    atSeconds,
    inject: (ctx) =>
      withAdmin(ctx, async (admin) => {
        const began = Date.now();
        const log: string[] = [];
        const say = (line: string) => {
          log.push(`+${((Date.now() - began) / 1000).toFixed(0)} s: ${line}`);
          ctx.log(`rebalance storm: ${log[log.length - 1]}`);
        };
        let made = 0;
        let joinFailures = 0;
        for (let cycle = 0; cycle < 2 || Date.now() + 2 * holdSeconds * 1000 < ctx.trafficStartedAt + untilSeconds * 1000; cycle++) {
          const known = await groupMembers(admin);
          const extras = [`consumers-extra-${++made}`, `consumers-extra-${++made}`];
          const pids = extras.map((id) => ctx.sys.startWorker({ name: 'consumers', id }).child()?.pid);
          say(`members ${memberCount(known)}; started 2 more (pids ${pids.join(', ')})`);
          const joined = await newMembersJoined(admin, known, 2, 240_000);
          if (joined === null) joinFailures++;
          say(joined === null ? 'the 2 had not joined every group after 240 s' : `both joined every group after ${joined.toFixed(0)} s (members ${memberCount(await groupMembers(admin))})`);
          await sleep(holdSeconds * 1000);
          const before = memberCount(await groupMembers(admin));
          const [a, b] = await Promise.all([ctx.sys.stopWorker(extras[0]!, 'SIGTERM'), ctx.sys.stopWorker(extras[1]!, 'SIGKILL')]);
          say(`members ${before}; stopped pid ${a ?? '(not running)'} by SIGTERM and pid ${b ?? '(not running)'} by SIGKILL`);
          await sleep(holdSeconds * 1000);
        }
        say(`members ${memberCount(await groupMembers(admin))}`);
        if (joinFailures) ctx.addCheck(async () => ({ problems: [`rebalance-storm: in ${joinFailures} cycle(s) the extra consumers did not join every group`], summary: 'storm incomplete' }));
        return log.join('; ');
      }),
  };
}

interface InboxRow {
  consumer: string;
  event_id: string;
  partition: number;
  offset: string;
}

/** Committed offsets of every demo group on the orders topic: `${consumer}/${partition}` → next offset to read. */
async function committedOffsets(admin: Admin): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const d of demoDefinitions) {
    const [topic] = await admin.fetchOffsets({ groupId: groupOf(d.name), topics: [ORDERS_TOPIC] });
    for (const p of topic?.partitions ?? []) if (Number(p.offset) >= 0) out.set(`${d.name}/${p.partition}`, Number(p.offset));
  }
  return out;
}

/** Inbox rows (orders topic) at or above their group's committed offset: applied, offset not committed yet. */
async function appliedNotCommitted(client: pg.Client, committed: Map<string, number>): Promise<InboxRow[]> {
  const keys = [...committed.keys()].map((k) => k.split('/'));
  const { rows } = await client.query<InboxRow>(
    `SELECT i.consumer, i.event_id::text, i.partition, i."offset"::text AS "offset"
       FROM consumer_inbox i
       JOIN unnest($1::text[], $2::int[], $3::bigint[]) AS c(consumer, partition, committed)
         ON i.consumer = c.consumer AND i.partition = c.partition
      WHERE i.topic = $4 AND i."offset" >= c.committed
      ORDER BY i.processed_at DESC LIMIT 500`,
    [keys.map((k) => k[0]), keys.map((k) => Number(k[1])), [...committed.values()], ORDERS_TOPIC],
  );
  return rows;
}

/**
 * SIGKILL of the demo consumers right after one of their transactions committed and
 * before the Kafka offset of that message was committed (kafkajs commits about once a
 * second): polls the groups' committed offsets and the inbox until an inbox row sits at or
 * above its group's committed offset, reads the offsets again and kills at once if the row
 * is still above them, and reads the committed offsets again after the kill. The events
 * still above them must come again and be skipped as duplicates. A kill that missed the
 * window (every such offset committed after all) is tried again once the consumers are
 * back, up to three kills; each is reported.
 */
export function consumerKillAfterCommit(atSeconds: number): FaultStep {
  return {
    label: 'demo consumers SIGKILL after a transaction committed, before its Kafka offset was committed',
    atSeconds,
    inject: (ctx) =>
      withAdmin(ctx, async (admin) => {
        const handle = ctx.sys.workers.get('consumers');
        if (!handle) throw new Error('no consumers worker');
        return withWatchClient(ctx, async (client) => {
          const reports: string[] = [];
          const maxKills = 3;
          for (let kill = 1; kill <= maxKills; kill++) {
            const seen = await appliedAboveCommitted(admin, client, 30_000);
            if (!seen) {
              // Not killed at all, or only kills that missed the window: either way the run must not pass.
              if (kill === 1) ctx.addCheck(async () => ({ problems: ['consumer-sigkill-after-commit: no applied-but-uncommitted event seen in 30 s; the consumers were not killed'], summary: 'fault not injected' }));
              else ctx.addCheck((db) => redeliveredAsDuplicates(db, []));
              reports.push(`kill ${kill}: no applied event above its committed offset seen in 30 s; not killed`);
              break;
            }
            const starts = handle.starts();
            const pid = handle.signal('SIGKILL');
            const killedAt = Date.now();
            // A commit request already on the wire may still land: read the offsets a second later (the new process takes longer to start).
            await sleep(1_000);
            const after = await committedOffsets(admin);
            const inWindow = seen.rows.filter((r) => Number(r.offset) >= (after.get(`${r.consumer}/${r.partition}`) ?? 0));
            const shown = inWindow[0] ?? seen.rows[0]!;
            const key = `${shown.consumer}/${shown.partition}`;
            reports.push(
              `kill ${kill}: pid ${pid ?? '?'} just after ${shown.consumer} applied event ${shown.event_id} (partition ${shown.partition}, offset ${shown.offset}); ` +
                `that group's committed offset on partition ${shown.partition}: ${seen.offsets.get(key) ?? 'none'} before the kill, ${after.get(key) ?? 'none'} after it; ` +
                `${inWindow.length} of ${seen.rows.length} applied events seen above their committed offset were still above it after the kill`,
            );
            const waitUntil = killedAt + 30_000;
            while (handle.starts() === starts && Date.now() < waitUntil) await sleep(100);
            if (inWindow.length > 0 || kill === maxKills) {
              ctx.addCheck((db) => redeliveredAsDuplicates(db, inWindow));
              break;
            }
            // Missed: let the new process join its groups and apply again before the next try.
            await sleep(5_000);
          }
          return reports.join('. ');
        });
      }),
  };
}

/**
 * Polls until some inbox row sits at or above its group's committed offset, both read
 * before the inbox and read again after it (a commit landing between the two reads
 * would otherwise count rows that are already covered); null after timeoutMs. Each
 * poll's second read is the next poll's first: one offsets fetch per poll.
 */
async function appliedAboveCommitted(
  admin: Admin,
  client: pg.Client,
  timeoutMs: number,
): Promise<{ rows: InboxRow[]; offsets: Map<string, number> } | null> {
  const deadline = Date.now() + timeoutMs;
  let before = await committedOffsets(admin);
  while (Date.now() < deadline) {
    const candidates = await appliedNotCommitted(client, before);
    const offsets = await committedOffsets(admin);
    const rows = candidates.filter((r) => Number(r.offset) >= (offsets.get(`${r.consumer}/${r.partition}`) ?? 0));
    if (rows.length > 0) return { rows, offsets };
    before = offsets;
  }
  return null;
}

/** Each event applied before the kill and not covered by a committed offset: one inbox row, one success, and its redelivery at the same offset recorded as a duplicate. */
async function redeliveredAsDuplicates(db: Db, events: readonly InboxRow[]): Promise<{ problems: string[]; summary: string }> {
  if (events.length === 0) return { problems: ['consumer-sigkill-after-commit: no event was still above its committed offset after the kill (the kill missed the window)'], summary: 'window missed' };
  const rows = await db.$queryRawUnsafe<Array<{ consumer: string; event_id: string; inbox: number; ok: number; dup: number }>>(
    `SELECT e.consumer, e.event_id::text,
            (SELECT count(*) FROM consumer_inbox i WHERE i.consumer = e.consumer AND i.event_id = e.event_id)::int AS inbox,
            (SELECT count(*) FROM consumer_attempts a WHERE a.consumer = e.consumer AND a.event_id = e.event_id AND a.outcome = 'ok')::int AS ok,
            (SELECT count(*) FROM consumer_attempts a WHERE a.consumer = e.consumer AND a.event_id = e.event_id AND a.outcome = 'duplicate'
                AND a.topic = $4 AND a.partition = e.partition AND a."offset" = e.off)::int AS dup
       FROM unnest($1::text[], $2::uuid[], $3::int[], $5::bigint[]) AS e(consumer, event_id, partition, off)`,
    events.map((e) => e.consumer),
    events.map((e) => e.event_id),
    events.map((e) => e.partition),
    ORDERS_TOPIC,
    events.map((e) => e.offset),
  );
  const problems = rows
    .filter((r) => r.inbox !== 1 || r.ok !== 1 || r.dup < 1)
    .map((r) => `consumer-sigkill-after-commit: ${r.consumer} event ${r.event_id}: ${r.inbox} inbox row(s), ${r.ok} successful attempt(s), ${r.dup} duplicate attempt(s) at its offset (want 1, 1, ≥ 1)`);
  const skipped = rows.filter((r) => r.dup >= 1).length;
  return { problems, summary: `${skipped} of ${rows.length} such events came again at the same offset and were skipped as duplicates; ${rows.filter((r) => r.inbox === 1 && r.ok === 1).length} applied exactly once` };
}

/**
 * A client places an order through the demo's command core (runOrderCommand with the
 * demo's outbox writer) in a transaction it holds open for `holdSeconds` while traffic
 * flows: its outbox rows take positions before everything written meanwhile, which the
 * relay publishes first. Then it commits; its rows must be published and applied exactly
 * once by every consumer that handles them.
 */
export function longTransaction(atSeconds: number, holdSeconds = 20): FaultStep {
  return {
    label: `a transaction holds an early outbox row (PlaceOrder through the demo's command core) for ${holdSeconds} s, then commits`,
    atSeconds,
    async inject(ctx) {
      const db = ctx.sys.newDb(2);
      const outbox = createOrderOutboxWriter();
      try {
        const held = await db.$transaction(
          async (tx) => {
            const input = placeOrderSchema.parse({ kind: 'PlaceOrder', customerId: 'fault-long-transaction', amountCents: 4_242, currency: 'EUR', channel: 'api' });
            const result = await runOrderCommand({ tx, now: new Date(), emit: (events) => outbox.append(tx, events) }, buildOrderCommand(input, uuidv7));
            const ids = result.events.map((e) => e.id);
            const [row] = await tx.$queryRaw<Array<{ position: string }>>`SELECT min(position)::text AS position FROM outbox_events WHERE event_id = ANY(${ids}::uuid[])`;
            const position = row!.position;
            ctx.log(`long transaction: order ${result.orderId}, events ${ids.join(', ')} at position ${position}; holding ${holdSeconds} s`);
            await sleep(holdSeconds * 1000);
            // Seen from outside the transaction (the other connection of this client).
            const [outside] = await db.$queryRaw<Array<{ later: number }>>`
              SELECT count(*)::int AS later FROM outbox_events WHERE position > ${position}::bigint AND published_at IS NOT NULL`;
            return { orderId: result.orderId, ids, position, laterPublished: outside!.later };
          },
          { timeout: (holdSeconds + 60) * 1000, maxWait: 20_000 },
        );
        const committedAt = new Date();
        ctx.addCheck((judge) => earlyRowsAppliedOnce(judge, held.ids, held.laterPublished, committedAt));
        return `order ${held.orderId}: event ${held.ids.join(', ')} at outbox position ${held.position}; ${held.laterPublished} rows with later positions were published while it was held; committed at ${committedAt.toISOString().slice(11, 19)}`;
      } finally {
        await db.$disconnect();
      }
    },
  };
}

/** The held transaction's events: published after its commit, on the topic, applied exactly once (or dead-lettered by an injected failure) by every consumer that handles them. */
async function earlyRowsAppliedOnce(db: Db, ids: readonly string[], laterPublished: number, committedAt: Date): Promise<{ problems: string[]; summary: string }> {
  const problems: string[] = [];
  if (laterPublished === 0) problems.push('long-transaction: no later row was published while the transaction was held (the row was not held back behind later ones)');
  const events = await db.$queryRaw<Array<{ event_id: string; type: string; published_at: Date | null; partition: number | null; offset: string | null }>>`
    SELECT event_id::text, type, published_at, partition, "offset"::text AS "offset" FROM outbox_events WHERE event_id = ANY(${ids}::uuid[])`;
  if (events.length !== ids.length) problems.push(`long-transaction: ${ids.length - events.length} of its events are not in the outbox`);
  const outcomes: string[] = [];
  for (const e of events) {
    if (!e.published_at) problems.push(`long-transaction: event ${e.event_id} never published`);
    else if (e.published_at.getTime() < committedAt.getTime() - 1_000) problems.push(`long-transaction: event ${e.event_id} marked published before its transaction committed`);
    for (const d of demoDefinitions.filter((c) => c.handles.includes(e.type))) {
      const [r] = await db.$queryRaw<Array<{ inbox: number; ok: number; dead: number }>>`
        SELECT (SELECT count(*) FROM consumer_inbox WHERE consumer = ${d.name} AND event_id = ${e.event_id}::uuid)::int AS inbox,
               (SELECT count(*) FROM consumer_attempts WHERE consumer = ${d.name} AND event_id = ${e.event_id}::uuid AND outcome = 'ok')::int AS ok,
               (SELECT count(*) FROM dlq_messages WHERE consumer = ${d.name} AND event_id = ${e.event_id}::uuid)::int AS dead`;
      if (r!.inbox === 1 && r!.ok === 1 && r!.dead === 0) outcomes.push(`${d.name} applied`);
      else if (r!.inbox === 0 && r!.dead > 0) outcomes.push(`${d.name} dead-lettered`);
      else problems.push(`long-transaction: ${d.name} event ${e.event_id}: ${r!.inbox} inbox row(s), ${r!.ok} successful attempt(s), ${r!.dead} dead letter(s)`);
    }
    const late = e.published_at ? ` ${((e.published_at.getTime() - committedAt.getTime()) / 1000).toFixed(1)} s after the commit` : '';
    outcomes.unshift(`${e.type} published${late} (partition ${e.partition ?? '—'}, offset ${e.offset ?? '—'})`);
  }
  return { problems, summary: outcomes.join(', ') };
}
