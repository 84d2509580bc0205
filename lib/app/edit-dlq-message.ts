// EditDlqMessage: an operator corrects the data of a dead letter. The edit replaces
// `data` in the stored envelope, must decode with the event type's schema from the
// registry (same check a consumer makes), and is stored as a new version; the
// received bytes stay untouched. Replaying the row then sends the newest version.
import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { decodeMessage } from '../domain/events/decode';
import type { EventRegistry } from '../domain/events/registry';
import { operatorText } from '../domain/operator-text';
import type { SessionUser } from '../domain/session-user';
import { AppError } from '../errors';
import { requireDlqRole, throttleDlq } from './dlq-guard';
import { recordAudit } from './record-audit';

export const editRequestSchema = z.strictObject({
  id: z.uuid(),
  data: z.record(z.string(), z.unknown()),
  reason: operatorText(3, 1_000),
});
export type EditRequest = z.infer<typeof editRequestSchema>;

export async function editDlqMessage(deps: { db: Db; registry: EventRegistry; actionsPerMinute: number; now: () => Date }, actor: SessionUser, input: EditRequest) {
  const parsed = editRequestSchema.safeParse(input);
  if (!parsed.success) throw new AppError('bad_request', `invalid edit: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { id, data, reason } = parsed.data;
  await requireDlqRole(deps.db, actor, 'dlq.edit', id);
  const row = await deps.db.dlqMessage.findUnique({ where: { id } });
  if (!row) throw new AppError('not_found', `No dead letter ${id}.`);
  if (row.status !== 'open') throw new AppError('conflict', `Only open messages can be edited; this one is ${row.status}.`);
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(Buffer.from(row.payload).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new AppError('bad_request', 'The stored payload is not a JSON envelope; it cannot be edited, only discarded.');
  }
  const payload = Buffer.from(JSON.stringify({ ...envelope, data }));
  const decoded = decodeMessage(deps.registry, { value: payload, headers: {} }, { newTrace: () => ({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', flags: '01' }) });
  if (!decoded.ok) throw new AppError('bad_request', `The edited event does not pass its schema: ${decoded.error.message}`);
  return deps.db.$transaction(async (tx) => {
    await throttleDlq(tx, actor, deps.actionsPerMinute, deps.now());
    const version = row.payloadVersion + 1;
    await tx.dlqPayloadVersion.create({ data: { dlqId: id, version, payload: new Uint8Array(payload), editedBy: actor.email, reason } });
    const moved = await tx.dlqMessage.updateMany({ where: { id, payloadVersion: row.payloadVersion, status: 'open' }, data: { payloadVersion: version } });
    if (moved.count !== 1) throw new AppError('concurrent_update', 'Someone changed this message at the same time; reload and edit again.');
    await recordAudit(tx, { actor, action: 'dlq.edit', target: id, outcome: 'ok', details: { version, reason, eventType: row.eventType } });
    return { id, version };
  });
}
