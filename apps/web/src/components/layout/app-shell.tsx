import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useAuth } from '../../hooks/use-auth.ts';
import type { Viewer } from '../../lib/api-types.ts';
import { SERVICE_LABELS, SERVICES } from '../../lib/services.ts';

type Item = { to: string; label: string; end?: boolean };

function navItems(viewer: Viewer): Item[] {
  return [
    { to: '/', label: 'Overview', end: true },
    ...SERVICES.map((service) => ({ to: `/sources/${service}`, label: SERVICE_LABELS[service] })),
    { to: '/runs', label: 'Runs' },
    { to: '/connections', label: 'Connections' },
    { to: '/notifications', label: 'Notifications' },
    { to: '/tokens', label: 'API tokens' },
    { to: '/account', label: 'Account' },
    ...(viewer.role === 'admin' ? [{ to: '/admin', label: 'Admin' }] : []),
  ];
}

/** The frame of every signed-in page: skip link, navigation, account, and the page itself. */
export function AppShell({ viewer }: { viewer: Viewer }) {
  const { signOut, pending } = useAuth();
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const shown = useRef(pathname);
  // On a phone the page links fold behind a Menu button; wider screens always show them (see the CSS).
  const [menuOpen, setMenuOpen] = useState(false);

  // After a client-side navigation, focus moves to the new page's heading, as a page load would put a
  // screen reader at the top; the first render leaves focus where the browser put it.
  useEffect(() => {
    if (shown.current === pathname) return;
    shown.current = pathname;
    setMenuOpen(false);
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  });

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <span className="brand">KPI sync</span>
          <button
            type="button"
            className="button-secondary menu-button"
            aria-expanded={menuOpen}
            aria-controls="page-links"
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu
          </button>
          <nav aria-label="Pages" id="page-links" className={menuOpen ? 'open' : undefined}>
            {navItems(viewer).map((item) => (
              <NavLink key={item.to} to={item.to} end={item.end ?? false}>
                {item.label}
              </NavLink>
            ))}
          </nav>
          <div className="account">
            <span className="muted" title="Signed in as">
              {viewer.email}
            </span>
            <button type="button" className="button-secondary" onClick={() => void signOut()} disabled={pending}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="page" ref={main}>
        <Outlet />
      </main>
    </>
  );
}
