import { apiRoute } from '@/lib/http/api-route';

export const dynamic = 'force-dynamic';

// The session user apiRoute already re-read from the database; nothing else to query.
export const GET = apiRoute({ action: 'me.read' }, async ({ user }) => ({ user }));
