-- DLQ failure groups by cause (docs/dlq.md). Hand-written: functions, triggers and
-- the backfill, which Prisma cannot express.
--
-- signalbox_dlq_cause_key mirrors lib/domain/dlq/cause.ts (the writers set cause_key
-- from there); it backfills rows written before this migration and fills cause_key
-- for a writer that leaves it empty. tests/int/dlq-causes.test.ts compares the two.

CREATE OR REPLACE FUNCTION signalbox_dlq_normalise(msg text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT btrim(
    regexp_replace(
      regexp_replace(
        regexp_replace(
          regexp_replace(
            regexp_replace(left(coalesce(msg, ''), 500),
              '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', 'gi'),
            '\y[0-9a-f]{16,}\y', '<hex>', 'gi'),
          '"[^"]*"|''[^'']*''', '<str>', 'g'),
        '\d+(\.\d+)?', '<n>', 'g'),
      '\s+', ' ', 'g'),
    ' ')
$$;

CREATE OR REPLACE FUNCTION signalbox_dlq_frame(stack text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(left(
    regexp_replace(
      regexp_replace(btrim(substring(stack from '(?n)^[ \t]*(at [^\n]*)'), E' \t\r'), ':\d+:\d+\)?$', ''),
      '\(?(file://)?/.*/', '('),
    200), '')
$$;

CREATE OR REPLACE FUNCTION signalbox_dlq_cause_key(error_class text, msg text, stack text) RETURNS varchar(24)
LANGUAGE sql IMMUTABLE AS $$
  SELECT left(encode(sha256(convert_to(
    left(error_class, 200) || E'\n' || signalbox_dlq_normalise(msg) || E'\n' || signalbox_dlq_frame(stack), 'UTF8')), 'hex'), 24)
$$;

-- Backfill before the triggers exist; the counts are built once below.
UPDATE dlq_messages SET cause_key = signalbox_dlq_cause_key(error_class, error_message, error_stack) WHERE cause_key IS NULL;

INSERT INTO dlq_causes (cause_key, error_class, message, frame, first_seen_at, last_seen_at, open_count, total_count, event_types)
SELECT cause_key,
       left(min(error_class), 200),
       signalbox_dlq_normalise(min(error_message)),
       signalbox_dlq_frame(min(error_stack)),
       min(first_failed_at), max(last_failed_at),
       count(*) FILTER (WHERE status IN ('open', 'replaying')),
       count(*),
       coalesce(array_agg(DISTINCT event_type) FILTER (WHERE event_type IS NOT NULL), ARRAY[]::text[])
FROM dlq_messages GROUP BY cause_key;

INSERT INTO dlq_cause_consumers (cause_key, consumer, open_count, total_count, last_seen_at)
SELECT cause_key, consumer, count(*) FILTER (WHERE status IN ('open', 'replaying')), count(*), max(last_failed_at)
FROM dlq_messages GROUP BY cause_key, consumer;

INSERT INTO dlq_cause_hours (cause_key, hour, failures)
SELECT cause_key, date_trunc('hour', first_failed_at), count(*)
FROM dlq_messages GROUP BY cause_key, date_trunc('hour', first_failed_at);

-- Adds one row's contribution (d_open, d_total may be negative) to its cause.
CREATE OR REPLACE FUNCTION signalbox_dlq_cause_apply(
  r dlq_messages, d_open int, d_total int, seen timestamptz
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dlq_causes AS c (cause_key, error_class, message, frame, first_seen_at, last_seen_at, open_count, total_count, event_types)
  VALUES (r.cause_key, left(r.error_class, 200), signalbox_dlq_normalise(r.error_message), signalbox_dlq_frame(r.error_stack),
          coalesce(seen, r.first_failed_at), coalesce(seen, r.last_failed_at), d_open, d_total,
          CASE WHEN r.event_type IS NULL THEN ARRAY[]::text[] ELSE ARRAY[r.event_type] END)
  ON CONFLICT (cause_key) DO UPDATE SET
    open_count = c.open_count + d_open,
    total_count = c.total_count + d_total,
    last_seen_at = greatest(c.last_seen_at, seen),
    event_types = CASE WHEN r.event_type IS NULL OR r.event_type = ANY (c.event_types) THEN c.event_types
                       ELSE array_append(c.event_types, r.event_type) END,
    updated_at = now();
  INSERT INTO dlq_cause_consumers AS cc (cause_key, consumer, open_count, total_count, last_seen_at)
  VALUES (r.cause_key, r.consumer, d_open, d_total, coalesce(seen, r.last_failed_at))
  ON CONFLICT (cause_key, consumer) DO UPDATE SET
    open_count = cc.open_count + d_open,
    total_count = cc.total_count + d_total,
    last_seen_at = greatest(cc.last_seen_at, seen);
  IF seen IS NOT NULL THEN
    INSERT INTO dlq_cause_hours AS h (cause_key, hour, failures) VALUES (r.cause_key, date_trunc('hour', seen), 1)
    ON CONFLICT (cause_key, hour) DO UPDATE SET failures = h.failures + 1;
  END IF;
END $$;

CREATE OR REPLACE FUNCTION signalbox_dlq_fill_cause() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.cause_key IS NULL
     OR (TG_OP = 'UPDATE' AND NEW.cause_key = OLD.cause_key
         AND (NEW.error_class, NEW.error_message, NEW.error_stack) IS DISTINCT FROM (OLD.error_class, OLD.error_message, OLD.error_stack)) THEN
    NEW.cause_key := signalbox_dlq_cause_key(NEW.error_class, NEW.error_message, NEW.error_stack);
  END IF;
  RETURN NEW;
END $$;

-- Same transaction as the insert or status change, whoever makes it (dead-lettering,
-- a replay applied by its consumer, a discard): the counts cannot drift.
CREATE OR REPLACE FUNCTION signalbox_dlq_count_cause() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  new_open int := CASE WHEN NEW.status IN ('open', 'replaying') THEN 1 ELSE 0 END;
  old_open int;
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM signalbox_dlq_cause_apply(NEW, new_open, 1, NEW.last_failed_at);
    RETURN NULL;
  END IF;
  old_open := CASE WHEN OLD.status IN ('open', 'replaying') THEN 1 ELSE 0 END;
  IF NEW.cause_key IS DISTINCT FROM OLD.cause_key THEN
    PERFORM signalbox_dlq_cause_apply(OLD, -old_open, -1, NULL);
    PERFORM signalbox_dlq_cause_apply(NEW, new_open, 1, NEW.last_failed_at);
  ELSIF new_open <> old_open OR NEW.last_failed_at > OLD.last_failed_at THEN
    -- A later last_failed_at is a new failure of the same row (a replay failed again).
    PERFORM signalbox_dlq_cause_apply(NEW, new_open - old_open, 0,
      CASE WHEN NEW.last_failed_at > OLD.last_failed_at THEN NEW.last_failed_at END);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER dlq_messages_fill_cause BEFORE INSERT OR UPDATE ON dlq_messages
  FOR EACH ROW EXECUTE FUNCTION signalbox_dlq_fill_cause();
CREATE TRIGGER dlq_messages_count_cause AFTER INSERT OR UPDATE ON dlq_messages
  FOR EACH ROW EXECUTE FUNCTION signalbox_dlq_count_cause();

