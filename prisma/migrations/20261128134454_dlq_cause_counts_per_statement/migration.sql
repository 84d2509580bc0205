-- DLQ cause counts kept per STATEMENT instead of per row (docs/dlq.md). Same counts as
-- before; a statement that changes many rows of one cause (a replay's batch being marked,
-- a consumer resolving a run of 500 replayed rows) now updates that cause's rows once,
-- instead of once per row (500 versions of one row in one transaction, and every
-- concurrent transaction of the consumer waiting on its lock).

DROP TRIGGER dlq_messages_count_cause ON dlq_messages;

-- One row's contribution to its cause (a changed row can give two: -1 to its old cause, +1 to its new one).
CREATE TYPE signalbox_dlq_delta AS (
  cause_key varchar(24), consumer text, error_class text, error_message text, error_stack text, event_type text,
  first_failed_at timestamptz, last_failed_at timestamptz, d_open int, d_total int, seen timestamptz
);

-- Adds the contributions of one statement, one row per cause, cause × consumer and cause × hour.
CREATE OR REPLACE FUNCTION signalbox_dlq_apply_deltas(ds signalbox_dlq_delta[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dlq_causes AS c (cause_key, error_class, message, frame, first_seen_at, last_seen_at, open_count, total_count, event_types)
  SELECT cause_key, left(min(error_class), 200), signalbox_dlq_normalise(min(error_message)), signalbox_dlq_frame(min(error_stack)),
         coalesce(min(seen), min(first_failed_at)), coalesce(max(seen), max(last_failed_at)), sum(d_open), sum(d_total),
         coalesce(array_agg(DISTINCT event_type) FILTER (WHERE event_type IS NOT NULL), ARRAY[]::text[])
    FROM unnest(ds) GROUP BY cause_key
  ON CONFLICT (cause_key) DO UPDATE SET
    open_count = c.open_count + EXCLUDED.open_count,
    total_count = c.total_count + EXCLUDED.total_count,
    last_seen_at = greatest(c.last_seen_at, (SELECT max(d.seen) FROM unnest(ds) AS d WHERE d.cause_key = EXCLUDED.cause_key)),
    event_types = c.event_types || ARRAY(SELECT e FROM unnest(EXCLUDED.event_types) AS e WHERE NOT e = ANY (c.event_types) ORDER BY e),
    updated_at = now();
  INSERT INTO dlq_cause_consumers AS cc (cause_key, consumer, open_count, total_count, last_seen_at)
  SELECT cause_key, consumer, sum(d_open), sum(d_total), coalesce(max(seen), max(last_failed_at))
    FROM unnest(ds) GROUP BY cause_key, consumer
  ON CONFLICT (cause_key, consumer) DO UPDATE SET
    open_count = cc.open_count + EXCLUDED.open_count,
    total_count = cc.total_count + EXCLUDED.total_count,
    last_seen_at = greatest(cc.last_seen_at, (SELECT max(d.seen) FROM unnest(ds) AS d WHERE d.cause_key = EXCLUDED.cause_key AND d.consumer = EXCLUDED.consumer));
  INSERT INTO dlq_cause_hours AS h (cause_key, hour, failures)
  SELECT cause_key, date_trunc('hour', seen), count(*) FROM unnest(ds) WHERE seen IS NOT NULL GROUP BY cause_key, date_trunc('hour', seen)
  ON CONFLICT (cause_key, hour) DO UPDATE SET failures = h.failures + EXCLUDED.failures;
END $$;

CREATE OR REPLACE FUNCTION signalbox_dlq_count_cause_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ds signalbox_dlq_delta[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(ROW(n.cause_key, n.consumer, n.error_class, n.error_message, n.error_stack, n.event_type, n.first_failed_at, n.last_failed_at,
                         CASE WHEN n.status IN ('open', 'replaying') THEN 1 ELSE 0 END, 1, n.last_failed_at)::signalbox_dlq_delta)
      INTO ds FROM new_rows n;
  ELSE
    SELECT array_agg(x.d) INTO ds FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (
      SELECT ROW(o.cause_key, o.consumer, o.error_class, o.error_message, o.error_stack, o.event_type, o.first_failed_at, o.last_failed_at,
                 -(CASE WHEN o.status IN ('open', 'replaying') THEN 1 ELSE 0 END), -1, NULL::timestamptz)::signalbox_dlq_delta AS d
       WHERE n.cause_key IS DISTINCT FROM o.cause_key
      UNION ALL
      SELECT ROW(n.cause_key, n.consumer, n.error_class, n.error_message, n.error_stack, n.event_type, n.first_failed_at, n.last_failed_at,
                 CASE WHEN n.status IN ('open', 'replaying') THEN 1 ELSE 0 END, 1, n.last_failed_at)::signalbox_dlq_delta
       WHERE n.cause_key IS DISTINCT FROM o.cause_key
      UNION ALL
      -- A later last_failed_at is a new failure of the same row (a replay failed again).
      SELECT ROW(n.cause_key, n.consumer, n.error_class, n.error_message, n.error_stack, n.event_type, n.first_failed_at, n.last_failed_at,
                 (CASE WHEN n.status IN ('open', 'replaying') THEN 1 ELSE 0 END) - (CASE WHEN o.status IN ('open', 'replaying') THEN 1 ELSE 0 END), 0,
                 CASE WHEN n.last_failed_at > o.last_failed_at THEN n.last_failed_at END)::signalbox_dlq_delta
       WHERE n.cause_key IS NOT DISTINCT FROM o.cause_key
         AND ((n.status IN ('open', 'replaying')) IS DISTINCT FROM (o.status IN ('open', 'replaying')) OR n.last_failed_at > o.last_failed_at)
    ) AS x;
  END IF;
  IF ds IS NOT NULL THEN
    PERFORM signalbox_dlq_apply_deltas(ds);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER dlq_messages_count_cause_insert AFTER INSERT ON dlq_messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signalbox_dlq_count_cause_statement();
CREATE TRIGGER dlq_messages_count_cause_update AFTER UPDATE ON dlq_messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION signalbox_dlq_count_cause_statement();
