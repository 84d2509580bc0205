import { EmptyState } from '../components/empty-state';

export default function OverviewPage() {
  return (
    <>
      <h1>Overview</h1>
      <div className="grid-cards">
        <EmptyState title="Consumer health">
          Lag in messages and seconds for every consumer group, with a stuck / slow / dead status, appears here once the lag
          sampler is running.
        </EmptyState>
        <EmptyState title="Dead letters">
          Open dead-lettered messages grouped by cause appear here when a consumer gives up on a message.
        </EmptyState>
        <EmptyState title="Outbox">
          The unpublished backlog and the relay&apos;s publish rate appear here once the outbox relay runs.
        </EmptyState>
      </div>
    </>
  );
}
