import { useSyncExternalStore } from 'react';
import { routeFromHash, type RouteId } from './routes.js';

// Hash routing keeps the page's `?token=` query and never reloads the page.
function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useHashRoute(): RouteId {
  return useSyncExternalStore(subscribe, () => routeFromHash(window.location.hash));
}
