import { requirePageUser } from '@/lib/auth/require-page-user';
import { mayPerform } from '@/lib/domain/roles';
import { SystemPulsePanel } from './system-pulse';
import { ChecksSummary } from '../components/checks-summary';
import { DemoKnobsPanel } from './demo-knobs-panel';
import { ConsumerTiles } from './consumer-tiles';
import { ProjectionsTile } from './projections/projections-tile';

export default async function OverviewPage() {
  const user = await requirePageUser();
  return (
    <>
      <h1>Overview</h1>
      <ChecksSummary />
      <ConsumerTiles />
      <div className="grid-cards" style={{ marginTop: 12 }}>
        <ProjectionsTile />
      </div>
      <SystemPulsePanel />
      <h2>Demo system</h2>
      <DemoKnobsPanel canEdit={mayPerform(user.role, 'demo.knobs.update')} />
    </>
  );
}
