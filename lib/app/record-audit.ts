// The audit log's writer lives with the other adapters (lib/adapters/prisma/audit-log.ts) so
// job kinds can write audit entries without importing lib/app; use cases keep this path.
export * from '../adapters/prisma/audit-log';
