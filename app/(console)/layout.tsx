import type { ReactNode } from 'react';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { Nav } from '../components/nav';
import { ThemeToggle } from '../components/theme-toggle';
import { SignOutButton } from '../components/sign-out-button';
import { Providers } from '../components/providers';
import { HeaderSearch } from '../components/header-search';

export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser();
  return (
    <Providers>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <aside className="sidebar">
          <div className="brand">▦ Signalbox</div>
          <Nav />
          <div className="sidebar-foot">
            <div data-testid="current-user">{user.email}</div>
            <div>
              Role: <span className="badge muted" data-testid="current-role">{user.role}</span>
            </div>
            <div className="row" style={{ marginTop: 8 }}>
              <SignOutButton />
            </div>
            <div style={{ marginTop: 8 }}>
              <ThemeToggle />
            </div>
          </div>
        </aside>
        <main id="main" className="main" tabIndex={-1}>
          <HeaderSearch />
          {children}
        </main>
      </div>
    </Providers>
  );
}
