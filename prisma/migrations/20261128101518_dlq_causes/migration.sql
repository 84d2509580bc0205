-- AlterTable
ALTER TABLE "dlq_messages" ADD COLUMN     "cause_key" VARCHAR(24),
ADD COLUMN     "payload_version" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "replays" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "dlq_causes" (
    "cause_key" VARCHAR(24) NOT NULL,
    "error_class" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "frame" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "open_count" INTEGER NOT NULL DEFAULT 0,
    "total_count" INTEGER NOT NULL DEFAULT 0,
    "event_types" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "note" TEXT,
    "note_by" TEXT,
    "note_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dlq_causes_pkey" PRIMARY KEY ("cause_key")
);

-- CreateTable
CREATE TABLE "dlq_cause_consumers" (
    "cause_key" VARCHAR(24) NOT NULL,
    "consumer" TEXT NOT NULL,
    "open_count" INTEGER NOT NULL DEFAULT 0,
    "total_count" INTEGER NOT NULL DEFAULT 0,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dlq_cause_consumers_pkey" PRIMARY KEY ("cause_key","consumer")
);

-- CreateTable
CREATE TABLE "dlq_cause_hours" (
    "cause_key" VARCHAR(24) NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "dlq_cause_hours_pkey" PRIMARY KEY ("cause_key","hour")
);

-- CreateTable
CREATE TABLE "dlq_payload_versions" (
    "dlq_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "payload" BYTEA NOT NULL,
    "edited_by" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dlq_payload_versions_pkey" PRIMARY KEY ("dlq_id","version")
);

-- CreateIndex
CREATE INDEX "dlq_causes_last_seen_at_cause_key_idx" ON "dlq_causes"("last_seen_at" DESC, "cause_key" DESC);

-- CreateIndex
CREATE INDEX "dlq_cause_consumers_consumer_last_seen_at_idx" ON "dlq_cause_consumers"("consumer", "last_seen_at" DESC);

-- CreateIndex
CREATE INDEX "dlq_messages_cause_key_first_failed_at_id_idx" ON "dlq_messages"("cause_key", "first_failed_at", "id");

-- CreateIndex
CREATE INDEX "dlq_messages_subject_idx" ON "dlq_messages"("subject");
