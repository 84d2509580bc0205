-- CreateTable
CREATE TABLE "lag_samples" (
    "at" TIMESTAMPTZ(3) NOT NULL,
    "group_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "members" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "evidence" TEXT NOT NULL,
    "lag" BIGINT,
    "replay_lag" BIGINT,
    "no_commit_partitions" INTEGER NOT NULL,
    "data_loss_partitions" INTEGER NOT NULL,
    "seconds_behind" DOUBLE PRECISION,
    "seconds_source" TEXT,
    "consume_rate" DOUBLE PRECISION,
    "produce_rate" DOUBLE PRECISION,
    "eta_seconds" DOUBLE PRECISION,
    "partitions" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "lag_samples_pkey" PRIMARY KEY ("group_id","at")
);

-- CreateTable
CREATE TABLE "lag_rollups_1m" (
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "group_id" TEXT NOT NULL,
    "samples" INTEGER NOT NULL,
    "max_lag" BIGINT,
    "avg_lag" DOUBLE PRECISION,
    "max_seconds" DOUBLE PRECISION,
    "worst_status" TEXT NOT NULL,
    "last_status" TEXT NOT NULL,

    CONSTRAINT "lag_rollups_1m_pkey" PRIMARY KEY ("group_id","bucket")
);

-- CreateTable
CREATE TABLE "outbox_samples" (
    "at" TIMESTAMPTZ(3) NOT NULL,
    "backlog" BIGINT NOT NULL,
    "oldest_unpublished_at" TIMESTAMPTZ(3),
    "published" INTEGER NOT NULL,
    "relay_rate" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "outbox_samples_pkey" PRIMARY KEY ("at")
);

-- CreateTable
CREATE TABLE "outbox_rollups_1m" (
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "samples" INTEGER NOT NULL,
    "max_backlog" BIGINT NOT NULL,
    "max_oldest_age_sec" DOUBLE PRECISION,
    "published" BIGINT NOT NULL,

    CONSTRAINT "outbox_rollups_1m_pkey" PRIMARY KEY ("bucket")
);

-- CreateTable
CREATE TABLE "process_heartbeats" (
    "kind" TEXT NOT NULL,
    "instance" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_beat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "process_heartbeats_pkey" PRIMARY KEY ("kind","instance")
);

-- CreateIndex
CREATE INDEX "lag_samples_at_idx" ON "lag_samples"("at");

-- CreateIndex
CREATE INDEX "lag_rollups_1m_bucket_idx" ON "lag_rollups_1m"("bucket");

-- CreateIndex
CREATE INDEX "process_heartbeats_kind_last_beat_at_idx" ON "process_heartbeats"("kind", "last_beat_at" DESC);

-- CreateIndex
CREATE INDEX "outbox_events_topic_partition_offset_idx" ON "outbox_events"("topic", "partition", "offset");
