// The DLQ filter → query builder lives in lib/adapters/prisma/dlq-where.ts (shared by the
// reads, the preview and the replay job kind without a jobs <-> read cycle).
export * from '../adapters/prisma/dlq-where';
