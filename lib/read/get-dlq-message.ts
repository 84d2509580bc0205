// One dead letter, everything an operator needs to decide: envelope fields, headers,
// key and payload as safe text (JSON pretty, text, or hex), error and stack, every
// attempt, every replay, edited versions, what was done to it (audit), its trace.
import type { Db } from '../adapters/prisma/client';
import { headerText, viewBytes, type BytesView } from '../domain/dlq/payload-view';
import { storedHeadersOf } from '../domain/dlq/replay-rules';
import { AppError } from '../errors';

export async function getDlqMessage(db: Db, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('bad_request', 'A DLQ message id is a UUID.');
  const row = await db.dlqMessage.findUnique({ where: { id } });
  if (!row) throw new AppError('not_found', `No dead letter ${id}.`);
  const [versions, audit, jobs, parked] = await Promise.all([
    db.dlqPayloadVersion.findMany({ where: { dlqId: id }, orderBy: { version: 'asc' } }),
    db.auditEntry.findMany({ where: { target: id }, orderBy: { at: 'desc' }, take: 50 }),
    replayJobsOf(db, row.replays),
    // Sequenced dead-lettering: the later events of its subject waiting behind it.
    db.dlqMessage.findMany({ where: { parkedBehind: id, status: 'parked' }, orderBy: [{ topic: 'asc' }, { partition: 'asc' }, { offset: 'asc' }], take: 50, select: { id: true, eventType: true, topic: true, partition: true, offset: true } }),
  ]);
  const replays = (Array.isArray(row.replays) ? row.replays : []) as { jobId: string; at: string; by: string }[];
  return {
    id: row.id,
    consumer: row.consumer,
    status: row.status,
    statusChangedAt: row.statusChangedAt.toISOString(),
    coordinates: { topic: row.topic, partition: row.partition, offset: String(row.offset) },
    event: { id: row.eventId, type: row.eventType, version: row.eventVersion, subject: row.subject, traceId: row.traceId },
    traceHref: row.traceId ? `/traces?id=${row.traceId}` : row.eventId ? `/traces?id=${row.eventId}` : null,
    cause: row.causeKey,
    /** The dead letter this one waits behind (status parked), if any. */
    parkedBehind: row.parkedBehind,
    /** Events parked behind this one (first 50, in order): they follow it when it is replayed, or are released when it is discarded. */
    parked: parked.map((p) => ({ id: p.id, eventType: p.eventType, coordinates: `${p.topic}/${p.partition}@${p.offset}` })),
    key: viewBytes(row.key),
    headers: storedHeadersOf(row.headers).map((h) => ({ key: h.key, ...headerText(h.valueBase64) })),
    payload: viewBytes(row.payload) as BytesView,
    payloadVersion: row.payloadVersion,
    versions: versions.map((v) => ({ version: v.version, editedBy: v.editedBy, reason: v.reason, at: v.createdAt.toISOString(), payload: viewBytes(v.payload) })),
    error: { class: row.errorClass, code: row.errorCode, message: row.errorMessage, stack: row.errorStack },
    attempts: (Array.isArray(row.attempts) ? row.attempts : []) as { attempt: number; at: string; durationMs: number; errorClass: string; errorCode: string; message: string }[],
    firstFailedAt: row.firstFailedAt.toISOString(),
    lastFailedAt: row.lastFailedAt.toISOString(),
    replays: replays.map((r) => ({ ...r, jobState: jobs.get(r.jobId) ?? null })),
    actions: audit.map((a) => ({ at: a.at.toISOString(), actor: a.actorEmail, action: a.action, outcome: a.outcome, details: a.details })),
  };
}
export type DlqMessageView = Awaited<ReturnType<typeof getDlqMessage>>;

async function replayJobsOf(db: Db, replays: unknown): Promise<Map<string, string>> {
  const ids = (Array.isArray(replays) ? replays : []).map((r) => (r as { jobId?: string }).jobId).filter((x): x is string => typeof x === 'string');
  if (ids.length === 0) return new Map();
  const rows = await db.backgroundJob.findMany({ where: { id: { in: ids } }, select: { id: true, state: true } });
  return new Map(rows.map((r) => [r.id, r.state]));
}
