-- CreateEnum
CREATE TYPE "JobState" AS ENUM ('queued', 'running', 'paused', 'cancelling', 'cancelled', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "background_jobs" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "state" "JobState" NOT NULL DEFAULT 'queued',
    "progress_done" BIGINT NOT NULL DEFAULT 0,
    "progress_total" BIGINT,
    "progress_failures" BIGINT NOT NULL DEFAULT 0,
    "rate_samples" JSONB NOT NULL DEFAULT '[]',
    "checkpoint" JSONB,
    "result" JSONB,
    "error" TEXT,
    "created_by" UUID,
    "idempotency_key" TEXT,
    "run_token" UUID,
    "worker_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),

    CONSTRAINT "background_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "background_jobs_idempotency_key_key" ON "background_jobs"("idempotency_key");

-- CreateIndex
CREATE INDEX "background_jobs_created_at_id_idx" ON "background_jobs"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "background_jobs_scope_created_at_idx" ON "background_jobs"("scope", "created_at" DESC);

-- CreateIndex
CREATE INDEX "background_jobs_kind_created_at_idx" ON "background_jobs"("kind", "created_at" DESC);

-- CreateIndex
CREATE INDEX "background_jobs_state_heartbeat_at_idx" ON "background_jobs"("state", "heartbeat_at");
