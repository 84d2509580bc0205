// npm run bench -- <name>: runs one benchmark. Each prints its figures and, as
// its last line, one JSON object with them.
const benches: Record<string, () => Promise<unknown>> = {
  relay: () => import('./relay'),
  consume: () => import('./consume'),
  lag: () => import('./lag'),
  trace: () => import('./trace'),
  drift: () => import('./drift'),
  dlq: () => import('./dlq'),
  replay: () => import('./replay'),
  rebuild: () => import('./rebuild'),
  console: () => import('./console'),
};

const benchName = process.argv[2];
if (!benchName || !(benchName in benches)) {
  console.error(`Usage: npm run bench -- <${Object.keys(benches).join('|')}>`);
  process.exit(64);
}
await benches[benchName]!();
export {};
