import { requirePageUser } from '@/lib/auth/require-page-user';
import { mayPerform } from '@/lib/domain/roles';
import { EmptyState } from '../../../components/empty-state';
import { TokensPanel } from './tokens-panel';

export default async function ApiTokensPage() {
  const user = await requirePageUser();
  return (
    <>
      <h1>API tokens</h1>
      <p className="muted">
        Read-only tokens for scripts and dashboards: <code>GET /api/consumers</code>, <code>GET /api/consumers/&#123;group&#125;</code> and the Prometheus
        endpoint <code>/api/metrics</code>, with <code>Authorization: Bearer &lt;token&gt;</code> (scope “read API”); or for a status screen on the wall,
        <code>/wall</code> and nothing else (scope “wall view”). A token is shown once, when it is created; only its hash is kept. Creating and revoking are audited.
      </p>
      {mayPerform(user.role, 'tokens.read') ? (
        <TokensPanel />
      ) : (
        <EmptyState title="Admins only">Managing API tokens needs the admin role; you are {user.role}. Ask an admin for a token.</EmptyState>
      )}
    </>
  );
}
