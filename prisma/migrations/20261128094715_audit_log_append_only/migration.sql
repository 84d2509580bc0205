-- Hand-written (prisma/schema.prisma cannot express triggers): the audit log is
-- append-only in the database itself, whoever connects. Rows are only ever
-- inserted (lib/app/record-audit.ts); UPDATE and DELETE are refused row by row,
-- TRUNCATE by a statement trigger. Removing old entries, if ever needed, is a
-- deliberate migration that drops these triggers, not something a bug can do.
CREATE FUNCTION "audit_log_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Audit entries are only ever inserted.';
END
$$;

CREATE TRIGGER "audit_log_no_update_delete"
  BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "audit_log_refuse_change"();

CREATE TRIGGER "audit_log_no_truncate"
  BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"();
