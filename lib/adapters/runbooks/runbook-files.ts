// Reads runbooks/*.md (front matter with gray-matter, validated by lib/domain/checks/runbook.ts).
// Read once per process and cached: the files ship with the build and do not change
// while it runs. A broken file fails loudly (unit test + first read), never silently.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import { runbookIndex, toRunbook, type Runbook } from '../../domain/checks/runbook';

// gray-matter would evaluate `---js` front matter as JavaScript: refused.
const refuseJs = (): object => {
  throw new Error('JavaScript front matter is not allowed in runbooks; use YAML');
};

export const RUNBOOKS_DIR = path.join(process.cwd(), 'runbooks');

export async function loadRunbooks(dir: string = RUNBOOKS_DIR): Promise<Runbook[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.md') && f !== 'README.md').sort();
  const runbooks: Runbook[] = [];
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    const { data, content } = matter(text, { engines: { js: refuseJs, javascript: refuseJs } });
    runbooks.push(toRunbook(file.slice(0, -'.md'.length), data, content));
  }
  runbookIndex(runbooks); // throws when two runbooks claim one check
  return runbooks;
}

let cached: Promise<Runbook[]> | undefined;
export function cachedRunbooks(): Promise<Runbook[]> {
  cached ??= loadRunbooks();
  cached.catch(() => (cached = undefined));
  return cached;
}
