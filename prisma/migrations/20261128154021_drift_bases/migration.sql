-- CreateTable
CREATE TABLE "projection_drift_bases" (
    "projection" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "table_name" TEXT NOT NULL,
    "base_table" TEXT NOT NULL,
    "stamp" TEXT NOT NULL,
    "buckets" INTEGER NOT NULL,
    "cut" JSONB NOT NULL,
    "checksums" JSONB NOT NULL,
    "rows" BIGINT NOT NULL,
    "events" BIGINT NOT NULL,
    "built_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "projection_drift_bases_pkey" PRIMARY KEY ("projection","version")
);
