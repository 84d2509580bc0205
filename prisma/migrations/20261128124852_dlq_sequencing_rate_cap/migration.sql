-- AlterEnum
ALTER TYPE "DlqStatus" ADD VALUE 'parked';

-- AlterTable
ALTER TABLE "dlq_messages" ADD COLUMN     "parked_behind" UUID;

-- CreateTable
CREATE TABLE "dlq_settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "rate_cap" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" TEXT NOT NULL,

    CONSTRAINT "dlq_settings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dlq_messages_parked_behind_idx" ON "dlq_messages"("parked_behind");

-- A replay job that ends cancelled (e.g. by the sweep after its worker died) or failed
-- must not leave its rows 'replaying' for ever: they go back to what they were, open, or
-- parked when their head still holds the subject. A row the broker did take is still
-- resolved by the consumer when it applies it (resolve accepts open and parked rows).
CREATE FUNCTION signalbox_dlq_replay_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE dlq_messages m
     SET status = CASE
           WHEN m.parked_behind IS NOT NULL AND EXISTS (
             SELECT 1 FROM dlq_messages h WHERE h.id = m.parked_behind AND h.status::text IN ('open', 'replaying', 'parked'))
           THEN 'parked' ELSE 'open' END::"DlqStatus",
         status_changed_at = now()
   WHERE m.status = 'replaying'
     AND m.consumer = NEW.params->>'consumer'
     AND m.replays @> jsonb_build_array(jsonb_build_object('jobId', NEW.id::text));
  RETURN NULL;
END $$;

CREATE TRIGGER background_jobs_dlq_replay_ended AFTER UPDATE OF state ON background_jobs
  FOR EACH ROW WHEN (NEW.kind = 'dlq.replay' AND NEW.state::text IN ('cancelled', 'failed') AND OLD.state IS DISTINCT FROM NEW.state)
  EXECUTE FUNCTION signalbox_dlq_replay_ended();
