-- CreateIndex
CREATE INDEX "dlq_messages_last_failed_at_id_idx" ON "dlq_messages"("last_failed_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "outbox_events_correlation_id_idx" ON "outbox_events"("correlation_id");

-- CreateIndex
CREATE INDEX "outbox_events_causation_id_idx" ON "outbox_events"("causation_id");

-- Hand-written (a partial index): the Traces page lists recent failed attempts first,
-- newest first, without walking every successful attempt (docs/traces.md).
CREATE INDEX "consumer_attempts_failures_at_idx" ON "consumer_attempts" ("at" DESC, "id" DESC) WHERE "outcome" IN ('retry', 'dead_lettered');
