-- Hand-written (prisma/schema.prisma cannot express a partial unique index): at most
-- one active job per scope ("replay:consumer:payments", "rebuild:projection:customer-stats").
-- A paused job still holds its scope: resuming it must not collide with a newer one.
CREATE UNIQUE INDEX "background_jobs_one_active_per_scope" ON "background_jobs" ("scope")
  WHERE "state" IN ('queued', 'running', 'paused', 'cancelling');
