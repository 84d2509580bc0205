-- CreateTable
CREATE TABLE "check_states" (
    "check_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "evidence" TEXT NOT NULL,
    "facts" JSONB NOT NULL DEFAULT '{}',
    "evaluated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "check_states_pkey" PRIMARY KEY ("check_id")
);

-- CreateTable
CREATE TABLE "check_transitions" (
    "id" BIGSERIAL NOT NULL,
    "check_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "from_state" TEXT,
    "to_state" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "evidence" TEXT NOT NULL,
    "facts" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "check_transitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incidents" (
    "id" UUID NOT NULL,
    "check_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "worst_state" TEXT NOT NULL,
    "first_evidence" TEXT NOT NULL,
    "last_evidence" TEXT NOT NULL,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" BIGSERIAL NOT NULL,
    "transition_id" BIGINT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "check_states_kind_subject_idx" ON "check_states"("kind", "subject");

-- CreateIndex
CREATE INDEX "check_transitions_check_id_at_idx" ON "check_transitions"("check_id", "at" DESC);

-- CreateIndex
CREATE INDEX "check_transitions_at_idx" ON "check_transitions"("at");

-- CreateIndex
CREATE INDEX "incidents_started_at_idx" ON "incidents"("started_at" DESC);

-- CreateIndex
CREATE INDEX "incidents_kind_subject_started_at_idx" ON "incidents"("kind", "subject", "started_at" DESC);

-- CreateIndex
CREATE INDEX "incidents_ended_at_idx" ON "incidents"("ended_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_created_at_idx" ON "webhook_deliveries"("created_at");
