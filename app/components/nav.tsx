'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

export const sections = [
  { href: '/', label: 'Overview' },
  { href: '/consumers', label: 'Consumers' },
  { href: '/outbox', label: 'Outbox' },
  { href: '/dlq', label: 'DLQ' },
  { href: '/traces', label: 'Traces' },
  { href: '/projections', label: 'Projections' },
  { href: '/runbooks', label: 'Runbooks' },
  { href: '/status', label: 'Status' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/settings/tokens', label: 'API tokens' },
  { href: '/audit', label: 'Audit' },
] as const;

export function Nav() {
  const pathname = usePathname();
  return (
    <nav className="nav" aria-label="Sections">
      {sections.map((s) => {
        const current = s.href === '/' ? pathname === '/' : pathname.startsWith(s.href);
        return (
          <Link key={s.href} href={s.href} aria-current={current ? 'page' : undefined}>
            {s.label}
          </Link>
        );
      })}
    </nav>
  );
}
