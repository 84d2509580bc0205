// Pages re-check the session themselves (lib/auth/require-page-user.ts) rather than
// trusting the layout; a new page that forgets fails here.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../app/(console)');
const pages = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('page.tsx'));

describe('console pages', () => {
  it('exist', () => {
    expect(pages.length).toBeGreaterThanOrEqual(7);
  });
  it.each(pages)('%s calls requirePageUser() itself', (file) => {
    const source = readFileSync(path.join(root, file), 'utf8');
    expect(source).toMatch(/await requirePageUser\(\)/);
  });
});
