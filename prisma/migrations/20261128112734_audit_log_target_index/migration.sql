-- CreateIndex
CREATE INDEX "audit_log_target_id_idx" ON "audit_log"("target", "id" DESC);
