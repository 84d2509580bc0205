// On-call CLI over the same use cases and checks as the console (role from the
// action table, throttle, gates, audit with the operator named by --as).
//   npm run signalbox -- dlq list [--consumer c] [--status open] [--cause k] [--trace t] [--subject s]
//   npm run signalbox -- dlq show <id>
//   npm run signalbox -- dlq replay (--trace <id> | --group <cause> | --id <dlq id>) [--dry-run] [--confirm "replay N"] [--rate n] --as <email>
//   npm run signalbox -- dlq discard <id> --reason <text> --as <email>
import { parseArgs } from 'node:util';
import { createDb, type Db } from '../lib/adapters/prisma/client';
import { adoptRunningDatabase } from '../lib/adapters/postgres/resolve-server';
import { discardDlqMessages } from '../lib/app/discard-dlq-messages';
import { replayDlqMessages } from '../lib/app/replay-dlq-messages';
import { dlqEnvSchema } from '../lib/config/dlq-env';
import { loadEnvOrExit } from '../lib/config/parse-env';
import { dlqLimitsOf } from '../lib/console/dlq-deps';
import type { ReplaySelection } from '../lib/domain/dlq/selection';
import { isRole } from '../lib/domain/roles';
import type { SessionUser } from '../lib/domain/session-user';
import { isAppError } from '../lib/errors';
import { startJobQueue } from '../lib/jobs/job-queue';
import { jobKindRegistry } from '../lib/jobs/kinds';
import { getDlqMessage } from '../lib/read/get-dlq-message';
import { listDlqCauses } from '../lib/read/list-dlq-causes';

const usage = `Usage: npm run signalbox -- dlq <command> [options]

  list [--consumer <name>] [--status open|replaying|resolved|discarded] [--type <event type>] [--q <error text>]
       [--trace <trace id>] [--subject <id>]                      failure groups, newest failure first
  show <dlq id>                                                   one dead letter (JSON)
  replay --group <cause> | --trace <trace id> | --id <dlq id> [--dry-run] [--confirm "replay N"] [--rate <per s>] --as <email>
  discard <dlq id> --reason <text> --as <email>

--as names an existing console user; their role decides what is allowed and the audit log records them.
Exit codes: 0 ok, 1 refused (forbidden, conflict, not found, …), 64 usage error.`;

class UsageError extends Error {}

async function actorOf(db: Db, email: string | undefined): Promise<SessionUser> {
  if (!email) throw new UsageError('--as <email> is required: the operator the audit log records');
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  if (!user || user.disabledAt) throw new UsageError(`no active console user ${email} (create one with npm run user:create)`);
  if (!isRole(user.role)) throw new UsageError(`user ${email} has no known role`);
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

function selectionOf(v: Record<string, string | boolean | undefined>): ReplaySelection {
  const given = [v.group && 'group', v.trace && 'trace', v.id && 'id'].filter(Boolean);
  if (given.length !== 1) throw new UsageError('replay needs exactly one of --group <cause>, --trace <trace id>, --id <dlq id>');
  if (typeof v.group === 'string') return { by: 'cause', cause: v.group };
  if (typeof v.trace === 'string') return { by: 'trace', traceId: v.trace };
  return { by: 'ids', ids: [String(v.id)] };
}

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      as: { type: 'string' }, consumer: { type: 'string' }, status: { type: 'string' }, type: { type: 'string' }, q: { type: 'string' },
      trace: { type: 'string' }, subject: { type: 'string' }, group: { type: 'string' }, id: { type: 'string' }, reason: { type: 'string' },
      confirm: { type: 'string' }, rate: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [area, command, arg] = positionals;
  if (v.help || area !== 'dlq' || !command) throw new UsageError(area && area !== 'dlq' ? `unknown area ${area}` : 'which command?');
  await adoptRunningDatabase(); // DATABASE_URL unset: the server the demo uses (docs/database.md)
  const env = loadEnvOrExit(dlqEnvSchema, 'signalbox');
  const db = createDb(env.DATABASE_URL, { poolSize: 2 });
  try {
    switch (command) {
      case 'list': {
        const { causes } = await listDlqCauses(db, { consumer: v.consumer, status: v.status as never, eventType: v.type, q: v.q, traceId: v.trace, subject: v.subject, limit: 100 }, new Date());
        for (const c of causes) {
          console.log(`${c.cause}  open ${c.openCount}/${c.totalCount}  ${c.consumers.map((k) => `${k.consumer}:${k.open}`).join(',')}  last ${c.lastSeenAt}  ${c.errorClass}: ${c.message}`);
        }
        if (causes.length === 0) console.log('no failure group matches');
        return 0;
      }
      case 'show':
        if (!arg) throw new UsageError('show <dlq id>');
        console.log(JSON.stringify(await getDlqMessage(db, arg), null, 2));
        return 0;
      case 'replay': {
        const actor = await actorOf(db, v.as);
        const rate = v.rate === undefined ? undefined : Number(v.rate);
        if (rate !== undefined && !Number.isInteger(rate)) throw new UsageError('--rate must be a whole number of messages per second');
        const dryRun = v['dry-run'] === true;
        const queue = dryRun ? undefined : await startJobQueue({ databaseUrl: env.DATABASE_URL, maintain: false }).catch(() => undefined);
        try {
          const result = await replayDlqMessages(
            { db, kinds: jobKindRegistry(), queue, limits: dlqLimitsOf(env), now: () => new Date() },
            actor,
            { selection: selectionOf(v), dryRun, confirm: v.confirm, ratePerSecond: rate },
          );
          console.log(JSON.stringify(result, null, 2));
        } finally {
          await queue?.stop();
        }
        return 0;
      }
      case 'discard': {
        if (!arg) throw new UsageError('discard <dlq id> --reason <text>');
        const actor = await actorOf(db, v.as);
        const result = await discardDlqMessages({ db, actionsPerMinute: env.DLQ_ACTIONS_PER_MINUTE, now: () => new Date() }, actor, { ids: [arg], reason: v.reason ?? '' });
        console.log(JSON.stringify(result));
        return 0;
      }
      default:
        throw new UsageError(`unknown command dlq ${command}`);
    }
  } finally {
    await db.$disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`${error.message}\n\n${usage}`);
      process.exit(64);
    }
    if (isAppError(error)) {
      console.error(`refused (${error.code}): ${error.message}`);
      process.exit(1);
    }
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
