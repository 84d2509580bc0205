// Drives the demo order flow from a terminal, straight through the command
// functions (not over HTTP), and changes the demo knobs while everything runs.
//   npx tsx scripts/orders-cli.ts help
import { userInfo } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { createDb, type Db } from '../lib/adapters/prisma/client';
import { loadEnvOrExit } from '../lib/config/parse-env';
import { adoptRunningDatabase } from '../lib/adapters/postgres/resolve-server';
import { ordersCliEnvSchema } from '../lib/config/orders-api-env';
import { isAppError } from '../lib/errors';
import { executeOrderCommand, type ExecuteResult } from '../lib/demo/orders/commands';
import type { OrderCommandInput } from '../lib/demo/orders/command-schemas';
import { getOrder } from '../lib/demo/orders/get-order';
import { createOrderOutboxWriter } from '../lib/demo/orders/outbox';
import { readKnobs, updateKnobs, type DemoKnobsUpdate } from '../lib/demo/knobs';
import { cliActor } from '../lib/app/record-audit';
import { corruptProjection } from '../lib/app/corrupt-projection';

const usage = `Usage: npx tsx scripts/orders-cli.ts <command> [options]

  place --customer <id> --amount <cents> --currency <ISO> [--idempotency-key <k>]
  authorize <orderId> [--decline <reason>] [--idempotency-key <k>]
  dispatch <orderId> [--carrier dhl|ups|fedex|postnl] [--idempotency-key <k>]
  deliver <orderId> [--idempotency-key <k>]
  cancel <orderId> --reason <reason> [--idempotency-key <k>]
  show <orderId>
  corrupt-projection customer-stats [--rows <1-10000>]   (demo: edit rows behind the projection, so a drift check finds them)
  knobs show
  knobs set [--rate <0-200>] [--poison <0-1>] [--transient <0-1>] [--permanent <0-1>]
            [--slow-consumer <name|none>] [--slow-ms <0-10000>] [--stopped-consumer <name|none>] [--stalled-consumer <name|none>]

Exit codes: 0 ok, 1 refused (e.g. rejected, not found, conflict), 64 usage error.`;

class UsageError extends Error {}

type Job = { kind: 'command'; input: OrderCommandInput; idempotencyKey?: string } | { kind: 'show'; orderId: string } | { kind: 'knobs-show' } | { kind: 'knobs-set'; patch: DemoKnobsUpdate } | { kind: 'corrupt'; projection: string; rows: number };

const options = {
  customer: { type: 'string' },
  amount: { type: 'string' },
  currency: { type: 'string' },
  'idempotency-key': { type: 'string' },
  decline: { type: 'string' },
  carrier: { type: 'string' },
  reason: { type: 'string' },
  rate: { type: 'string' },
  poison: { type: 'string' },
  transient: { type: 'string' },
  permanent: { type: 'string' },
  'slow-consumer': { type: 'string' },
  'slow-ms': { type: 'string' },
  'stopped-consumer': { type: 'string' },
  'stalled-consumer': { type: 'string' },
  rows: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type Values = Partial<Record<keyof typeof options, string | boolean>>;

function number(name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value.trim())) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(value)}`);
  return Number(value);
}

function nameOrNone(value: string | boolean | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === 'none' || value === '' ? null : String(value);
}

function allowOnly(values: Values, allowed: string[], command: string): void {
  const extra = Object.keys(values).filter((k) => k !== 'help' && !allowed.includes(k));
  if (extra.length) throw new UsageError(`${command} does not take ${extra.map((k) => `--${k}`).join(', ')}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function onePositional(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} needs exactly one <orderId>`);
  const orderId = positionals[0]!;
  if (!UUID.test(orderId)) throw new UsageError(`<orderId> must be a UUID, got ${JSON.stringify(orderId.slice(0, 80))}`);
  return orderId;
}

/** Turns argv into a job; throws UsageError for anything malformed. */
function parseCli(argv: string[]): Job | 'help' {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') return 'help';
  if (!command) throw new UsageError('name a command');
  const key = values['idempotency-key'];
  const v = values as Values;
  switch (command) {
    case 'place':
      allowOnly(v, ['customer', 'amount', 'currency', 'idempotency-key'], command);
      if (rest.length) throw new UsageError('place takes no positional arguments');
      if (!values.customer || !values.amount || !values.currency) throw new UsageError('place needs --customer, --amount and --currency');
      return {
        kind: 'command',
        idempotencyKey: key,
        input: { kind: 'PlaceOrder', customerId: values.customer, amountCents: number('amount', values.amount)!, currency: values.currency, channel: 'cli' },
      };
    case 'authorize': {
      allowOnly(v, ['decline', 'idempotency-key'], command);
      const orderId = onePositional(rest, command);
      const input: OrderCommandInput = values.decline !== undefined ? { kind: 'AuthorizePayment', orderId, approved: false, reason: values.decline } : { kind: 'AuthorizePayment', orderId };
      return { kind: 'command', idempotencyKey: key, input };
    }
    case 'dispatch':
      allowOnly(v, ['carrier', 'idempotency-key'], command);
      return { kind: 'command', idempotencyKey: key, input: { kind: 'DispatchShipment', orderId: onePositional(rest, command), ...(values.carrier ? { carrier: values.carrier as 'dhl' } : {}) } };
    case 'deliver':
      allowOnly(v, ['idempotency-key'], command);
      return { kind: 'command', idempotencyKey: key, input: { kind: 'DeliverShipment', orderId: onePositional(rest, command) } };
    case 'cancel':
      allowOnly(v, ['reason', 'idempotency-key'], command);
      if (!values.reason) throw new UsageError('cancel needs --reason');
      return { kind: 'command', idempotencyKey: key, input: { kind: 'CancelOrder', orderId: onePositional(rest, command), reason: values.reason } };
    case 'show':
      allowOnly(v, [], command);
      return { kind: 'show', orderId: onePositional(rest, command) };
    case 'corrupt-projection': {
      allowOnly(v, ['rows'], command);
      return { kind: 'corrupt', projection: onePositional(rest, command), rows: number('rows', v.rows) ?? 10 };
    }
    case 'knobs': {
      const [sub, ...more] = rest;
      if (more.length) throw new UsageError('knobs takes "show" or "set"');
      if (sub === 'show') {
        allowOnly(v, [], 'knobs show');
        return { kind: 'knobs-show' };
      }
      if (sub !== 'set') throw new UsageError('knobs takes "show" or "set"');
      allowOnly(v, ['rate', 'poison', 'transient', 'permanent', 'slow-consumer', 'slow-ms', 'stopped-consumer', 'stalled-consumer'], 'knobs set');
      const patch = Object.fromEntries(
        Object.entries({
          ratePerSecond: number('rate', v.rate),
          poisonShare: number('poison', v.poison),
          transientFailureShare: number('transient', v.transient),
          permanentFailureShare: number('permanent', v.permanent),
          slowConsumer: nameOrNone(v['slow-consumer']),
          slowMs: number('slow-ms', v['slow-ms']),
          stoppedConsumer: nameOrNone(v['stopped-consumer']),
          stalledConsumer: nameOrNone(v['stalled-consumer']),
        }).filter(([, value]) => value !== undefined),
      ) as DemoKnobsUpdate;
      if (Object.keys(patch).length === 0) throw new UsageError('knobs set needs at least one knob option');
      return { kind: 'knobs-set', patch };
    }
    default:
      throw new UsageError(`Unknown command ${JSON.stringify(command)}`);
  }
}

function printResult(result: ExecuteResult): void {
  console.log(`${result.replayed ? 'Replayed (same Idempotency-Key; nothing new happened)' : 'OK'}: order ${result.orderId} is ${result.status}`);
  for (const e of result.events) console.log(`  ${e.type}  ${e.id}`);
  if (!result.replayed && result.events.length === 0) console.log('  (no new events: already in that state)');
}

async function runJob(db: Db, job: Job): Promise<void> {
  switch (job.kind) {
    case 'command':
      printResult(await executeOrderCommand({ db, outbox: createOrderOutboxWriter(), now: () => new Date(), newId: () => uuidv7() }, job.input, { idempotencyKey: job.idempotencyKey }));
      return;
    case 'show': {
      const order = /^[0-9a-f-]{36}$/i.test(job.orderId) ? await getOrder(db, job.orderId.toLowerCase()) : null;
      if (!order) throw new UsageError(`No order ${job.orderId}`);
      console.log(JSON.stringify(order, null, 2));
      return;
    }
    case 'knobs-show':
      console.log(JSON.stringify(await readKnobs(db), null, 2));
      return;
    case 'knobs-set':
      console.log(JSON.stringify(await updateKnobs(db, job.patch, `cli:${userInfo().username}`.slice(0, 200)), null, 2));
      return;
    case 'corrupt':
      console.log(JSON.stringify(await corruptProjection(db, cliActor('orders-cli'), job.projection, { rows: job.rows }), null, 2));
      return;
  }
}

async function main(argv: string[]): Promise<number> {
  let job: Job | 'help';
  try {
    job = parseCli(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 64;
  }
  if (job === 'help') {
    console.log(usage);
    return 0;
  }
  await adoptRunningDatabase(); // DATABASE_URL unset: the server the demo uses (docs/database.md)
  const env = loadEnvOrExit(ordersCliEnvSchema, 'orders-cli');
  const db = createDb(env.DATABASE_URL, { poolSize: 2 });
  try {
    await runJob(db, job);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 1;
    }
    if (isAppError(error)) {
      console.error(`${error.code}: ${error.message}`);
      const issues = error.details?.issues as Array<{ path: string; message: string }> | undefined;
      for (const issue of issues ?? []) console.error(`  ${issue.path || '(input)'}: ${issue.message}`);
      // Invalid input is a usage error; a refused command is not.
      return error.code === 'bad_request' ? 64 : 1;
    }
    throw error;
  } finally {
    await db.$disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
