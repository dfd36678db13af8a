import { useMemo } from 'react';
import { hrefOf, ROUTES, type RouteId } from '../routing/routes.js';
import { useApp } from '../store/store-context.js';
import { committingHandles, openHandles } from '../views/handle-groups.js';

/** Counts beside some links; aria-hidden so each link's name stays exactly the view's name. */
function useBadges(): Partial<Record<RouteId, number>> {
  const handles = useApp((s) => s.handles);
  const sessions = useApp((s) => s.sessions);
  return useMemo(
    () => ({
      overview: sessions.length,
      handles: openHandles(handles).length,
      commits: committingHandles(handles).length,
    }),
    [handles, sessions],
  );
}

export function Navigation({ current }: { current: RouteId }) {
  const badges = useBadges();
  return (
    <nav aria-label="Sections" className="sidebar-nav">
      <ul>
        {ROUTES.map((route) => {
          const count = badges[route.id] ?? 0;
          return (
            <li key={route.id}>
              <a href={hrefOf(route.id)} aria-current={route.id === current ? 'page' : undefined}>
                <span>{route.name}</span>
                {count > 0 && (
                  <span className="badge" aria-hidden="true">
                    {count}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
