// Every page and route handler of the console, discovered from app/ on disk, so a new
// page or route is covered by the security crawl (tests/e2e/route-crawl.spec.ts) the day
// it is added, without anyone remembering to list it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './env';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const STATE_CHANGING: readonly HttpMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

export interface PageEntry {
  file: string;
  /** URL pattern, e.g. /consumers/[group] (route groups removed). */
  pattern: string;
}

export interface RouteEntry extends PageEntry {
  methods: HttpMethod[];
  /** The action named in apiRoute({ action }), when the route goes through apiRoute. */
  action: string | null;
}

const appDir = path.join(repoRoot, 'app');

function filesNamed(name: string): string[] {
  return (readdirSync(appDir, { recursive: true }) as string[])
    .filter((f) => path.basename(f) === name)
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

function patternOf(file: string): string {
  const segments = path.posix
    .dirname(file)
    .split('/')
    .filter((s) => s !== '.' && !/^\(.*\)$/.test(s));
  return `/${segments.join('/')}`;
}

function exportedMethods(source: string): HttpMethod[] {
  const found = new Set<HttpMethod>();
  for (const method of HTTP_METHODS) {
    const declared = new RegExp(`export\\s+(const|async\\s+function|function)\\s+${method}\\b`);
    const reexported = new RegExp(`export\\s*\\{[^}]*\\bas\\s+${method}\\b[^}]*\\}`);
    if (declared.test(source) || reexported.test(source)) found.add(method);
  }
  return [...found];
}

export function consolePages(): PageEntry[] {
  return filesNamed('page.tsx').map((file) => ({ file: `app/${file}`, pattern: patternOf(file) }));
}

export function routeHandlers(): RouteEntry[] {
  return filesNamed('route.ts').map((file) => {
    const source = readFileSync(path.join(appDir, file), 'utf8');
    const action = /action:\s*'([^']+)'/.exec(source)?.[1] ?? null;
    return { file: `app/${file}`, pattern: patternOf(file), methods: exportedMethods(source), action };
  });
}

/** The pattern with each [param] (or [...param]) replaced by `value` (URL-encoded). */
export function fillPattern(pattern: string, value: string): string {
  return pattern.replace(/\[(\.\.\.)?[^\]]+\]/g, () => encodeURIComponent(value));
}

/** Paths that answer without a session, by design (proxy.ts); everything else must refuse. */
export const PUBLIC_PATTERNS = ['/signin', '/api/health', '/api/auth/[...nextauth]', '/wall', '/wall/enter', '/wall/data'];
