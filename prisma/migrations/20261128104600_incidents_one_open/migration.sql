-- Hand-written (prisma/schema.prisma cannot express a partial unique index): at most one
-- open incident (a period of non-OK) per check, so two checkers racing could not open two.
CREATE UNIQUE INDEX "incidents_one_open_per_check" ON "incidents" ("check_id") WHERE "ended_at" IS NULL;
