import { getSessionUser } from '@/lib/auth/session';
import { mayPerform } from '@/lib/domain/roles';
import { SystemPulsePanel } from './system-pulse';
import { DemoKnobsPanel } from './demo-knobs-panel';

export default async function OverviewPage() {
  const user = await getSessionUser();
  return (
    <>
      <h1>Overview</h1>
      <SystemPulsePanel />
      <h2>Demo system</h2>
      <DemoKnobsPanel canEdit={user ? mayPerform(user.role, 'demo.knobs.update') : false} />
    </>
  );
}
