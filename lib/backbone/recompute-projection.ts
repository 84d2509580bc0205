// Recomputes a projection's rows from the event log (the outbox), outside any
// consumer: the reference that drift checks and the invariant checker compare
// read models against, and what a rebuild evolves into a new table.
import type { EventEnvelope } from '../domain/events/envelope';
import { decodeMessage } from '../domain/events/decode';
import type { EventRegistry } from '../domain/events/registry';
import type { EventLogReader } from './ports';
import { evolveRows, type ProjectionDefinition } from './projection';

const PAGE = 2_000;

/** Reads the log in position order, page by page, up to `untilPosition` when given (a consistent checkpoint). */
export async function* readEventLog(
  log: EventLogReader,
  registry: EventRegistry,
  options: { types?: readonly string[]; topics?: readonly string[]; untilPosition?: bigint } = {},
): AsyncGenerator<{ position: bigint; event: EventEnvelope }> {
  let after = 0n;
  for (;;) {
    const rows = await log.page({ ...options, after, limit: PAGE });
    for (const row of rows) {
      const decoded = decodeMessage(registry, { value: Buffer.from(JSON.stringify(row.envelope)), headers: {} }, {
        maxBytes: Number.MAX_SAFE_INTEGER,
        newTrace: () => ({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', flags: '00' }),
      });
      if (decoded.ok) yield { position: row.position, event: decoded.envelope };
    }
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.position;
  }
}

export async function recomputeProjection<Row, E extends EventEnvelope>(
  log: EventLogReader,
  registry: EventRegistry,
  definition: ProjectionDefinition<Row, E>,
  options: { untilPosition?: bigint } = {},
): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  let page: EventEnvelope[] = [];
  const flush = () => {
    for (const [key, row] of evolveRows(definition, rows, page)) rows.set(key, row);
    page = [];
  };
  for await (const { event } of readEventLog(log, registry, { types: definition.handles, topics: definition.topics, untilPosition: options.untilPosition })) {
    page.push(event);
    if (page.length >= PAGE) flush();
  }
  flush();
  return rows;
}
