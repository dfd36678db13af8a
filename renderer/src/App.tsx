import { useEffect, useRef, type ReactElement, type RefObject } from 'react';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { Navigation } from './components/Navigation.js';
import type { RouteId } from './routing/routes.js';
import { useHashRoute } from './routing/use-hash-route.js';
import { Accounts } from './views/Accounts.js';
import { Logs } from './views/Logs.js';
import { OpenHandles } from './views/OpenHandles.js';
import { Overview } from './views/Overview.js';
import { PendingCommits } from './views/PendingCommits.js';
import { Storage } from './views/Storage.js';

const VIEWS: Record<RouteId, () => ReactElement> = {
  overview: Overview,
  accounts: Accounts,
  handles: OpenHandles,
  commits: PendingCommits,
  storage: Storage,
  logs: Logs,
};

/** After navigating, focus goes to the new view's heading, so keyboard and screen-reader users land on it. */
function useFocusHeadingOnNavigation(route: RouteId, main: RefObject<HTMLElement | null>): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route, main]);
}

export function App() {
  const route = useHashRoute();
  const main = useRef<HTMLElement>(null);
  useFocusHeadingOnNavigation(route, main);
  const View = VIEWS[route];
  return (
    <div className="app">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.querySelector<HTMLElement>('h1')?.focus();
        }}
      >
        Skip to content
      </a>
      <aside className="sidebar">
        <p className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▦
          </span>{' '}
          Grid SFTP
        </p>
        <Navigation current={route} />
      </aside>
      <div className="content">
        <ConnectionBanner />
        <main id="main" ref={main} className="view">
          <View />
        </main>
      </div>
    </div>
  );
}
