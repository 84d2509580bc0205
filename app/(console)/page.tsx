import { SystemPulsePanel } from './system-pulse';

export default function OverviewPage() {
  return (
    <>
      <h1>Overview</h1>
      <SystemPulsePanel />
    </>
  );
}
