-- CreateTable
CREATE TABLE "projection_versions" (
    "projection" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "table_name" TEXT NOT NULL,
    "checkpoint_name" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activated_at" TIMESTAMPTZ(3),
    "retired_at" TIMESTAMPTZ(3),
    "job_id" UUID,

    CONSTRAINT "projection_versions_pkey" PRIMARY KEY ("projection","version")
);

-- CreateTable
CREATE TABLE "drift_reports" (
    "id" UUID NOT NULL,
    "projection" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "table_name" TEXT NOT NULL,
    "job_id" UUID,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "checkpoints" JSONB NOT NULL DEFAULT '[]',
    "rows_expected" BIGINT NOT NULL DEFAULT 0,
    "rows_actual" BIGINT NOT NULL DEFAULT 0,
    "rows_compared" BIGINT NOT NULL DEFAULT 0,
    "missing" BIGINT NOT NULL DEFAULT 0,
    "extra" BIGINT NOT NULL DEFAULT 0,
    "different" BIGINT NOT NULL DEFAULT 0,
    "drift_pct" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "buckets" INTEGER NOT NULL DEFAULT 0,
    "buckets_differing" INTEGER NOT NULL DEFAULT 0,
    "events_read" BIGINT NOT NULL DEFAULT 0,
    "unconfirmed" INTEGER NOT NULL DEFAULT 0,
    "samples" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,

    CONSTRAINT "drift_reports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "projection_versions_table_name_key" ON "projection_versions"("table_name");

-- CreateIndex
CREATE UNIQUE INDEX "projection_versions_checkpoint_name_key" ON "projection_versions"("checkpoint_name");

-- CreateIndex
CREATE INDEX "drift_reports_projection_started_at_idx" ON "drift_reports"("projection", "started_at" DESC);

-- Hand-written: at most one active version per projection.
CREATE UNIQUE INDEX "projection_versions_one_active" ON "projection_versions"("projection") WHERE "state" = 'active';

-- Hand-written: the demo's two projections, version 1 active. Checkpoints of version 1
-- keep the projection's bare name (the rows written before versions existed).
INSERT INTO "projection_registry" ("projection", "active_table", "version", "updated_at") VALUES
  ('order-summary', 'order_summary_v1', 1, now()),
  ('customer-stats', 'customer_stats_v1', 1, now())
ON CONFLICT ("projection") DO NOTHING;

INSERT INTO "projection_versions" ("projection", "version", "table_name", "checkpoint_name", "state", "activated_at") VALUES
  ('order-summary', 1, 'order_summary_v1', 'order-summary', 'active', now()),
  ('customer-stats', 1, 'customer_stats_v1', 'customer-stats', 'active', now())
ON CONFLICT DO NOTHING;
