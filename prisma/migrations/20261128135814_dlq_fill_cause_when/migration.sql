-- The cause-key fill runs only when there is something to fill: on insert without a key,
-- on update when the error changed under an unchanged key (or the key was cleared). A
-- replay marking 500 rows `replaying`, or a consumer resolving them, no longer runs
-- PL/pgSQL once per row to find out it has nothing to do. Same outcome as before
-- (signalbox_dlq_fill_cause checks the same conditions).
DROP TRIGGER dlq_messages_fill_cause ON dlq_messages;

CREATE TRIGGER dlq_messages_fill_cause_insert BEFORE INSERT ON dlq_messages
  FOR EACH ROW WHEN (NEW.cause_key IS NULL) EXECUTE FUNCTION signalbox_dlq_fill_cause();
CREATE TRIGGER dlq_messages_fill_cause_update BEFORE UPDATE ON dlq_messages
  FOR EACH ROW WHEN (NEW.cause_key IS NULL
    OR (NEW.cause_key = OLD.cause_key AND (NEW.error_class, NEW.error_message, NEW.error_stack) IS DISTINCT FROM (OLD.error_class, OLD.error_message, OLD.error_stack)))
  EXECUTE FUNCTION signalbox_dlq_fill_cause();
