-- Hand-written (prisma/schema.prisma cannot express a partial index without a preview
-- feature): the relay finds and claims unpublished rows per lane in log order, and the
-- console counts the backlog, through this index. It holds only unpublished rows, so it
-- stays small however long the event log grows.
CREATE INDEX "outbox_events_unpublished_lane_position_idx" ON "outbox_events" ("lane", "position") WHERE "published_at" IS NULL;
