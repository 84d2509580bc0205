// CSV export of a filtered set of dead letters, page by page over the list's keyset.
// Cells are neutralised against spreadsheet formulas (lib/domain/dlq/csv.ts).
import type { Db } from '../adapters/prisma/client';
import { csvLine } from '../domain/dlq/csv';
import type { DlqFilter } from '../domain/dlq/selection';
import { listDlqMessages } from './list-dlq-messages';

const MAX_ROWS = 100_000;
const columns = ['id', 'status', 'consumer', 'topic', 'partition', 'offset', 'eventId', 'eventType', 'subject', 'traceId', 'errorClass', 'errorCode', 'errorMessage', 'attemptCount', 'replayCount', 'firstFailedAt', 'lastFailedAt', 'cause'] as const;

export async function exportDlqCsv(db: Db, filter: DlqFilter): Promise<string> {
  const out = [csvLine(columns)];
  let cursor: string | undefined;
  for (let rows = 0; rows < MAX_ROWS; ) {
    const page = await listDlqMessages(db, { ...filter, cursor, limit: 1_000 });
    for (const m of page.messages) out.push(csvLine(columns.map((c) => m[c])));
    rows += page.messages.length;
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out.join('');
}
