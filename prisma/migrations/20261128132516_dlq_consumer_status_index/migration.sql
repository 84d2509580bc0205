-- CreateIndex
CREATE INDEX "dlq_messages_consumer_status_last_failed_at_id_idx" ON "dlq_messages"("consumer", "status", "last_failed_at" DESC, "id" DESC);
