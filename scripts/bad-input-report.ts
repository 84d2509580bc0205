// The bad-input table on its own (issue #12, part 2): runs the boundary tests and prints
// the section scripts/test-faults.ts writes into RELIABILITY.md (`npm run test:faults --
// --only bad-input`), to stdout and to .data/bad-input-report.md, without touching
// RELIABILITY.md.
//   npx tsx scripts/bad-input-report.ts          unit + int boundary tests (needs PostgreSQL and Kafka)
//   npx tsx scripts/bad-input-report.ts --unit   the unit boundary tests only (no services)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { badInputFailed, renderBadInput, runBadInputSuite } from './bad-input-suite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unknown = args.filter((a) => !['--unit', '--help', '-h'].includes(a));
if (unknown.length || args.includes('--help') || args.includes('-h')) {
  console.error(`Usage: npx tsx scripts/bad-input-report.ts [--unit]${unknown.length ? `\nunknown option ${unknown.join(' ')}` : ''}`);
  process.exit(unknown.length ? 64 : 0);
}
const unitOnly = args.includes('--unit');
const results = runBadInputSuite({ root, source: 'this checkout', projects: unitOnly ? ['unit'] : undefined, log: (line) => console.error(line) });
const report = renderBadInput(results, `npx tsx scripts/bad-input-report.ts${unitOnly ? ' --unit' : ''}`);
mkdirSync(path.join(root, '.data'), { recursive: true });
writeFileSync(path.join(root, '.data', 'bad-input-report.md'), report);
process.stdout.write(report);
process.exit(badInputFailed(results) ? 1 : 0);
