-- CreateIndex
CREATE INDEX "consumer_attempts_at_idx" ON "consumer_attempts"("at");
