/** The six views, in navigation order; `name` is both the link text and the view's heading. */
export const ROUTES = [
  { id: 'overview', name: 'Overview' },
  { id: 'accounts', name: 'Accounts' },
  { id: 'handles', name: 'Open handles' },
  { id: 'commits', name: 'Pending commits' },
  { id: 'storage', name: 'Storage' },
  { id: 'logs', name: 'Logs' },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];

export function hrefOf(id: RouteId): string {
  return `#/${id}`;
}

/** `#/accounts` → `accounts`; anything unknown is the overview. */
export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return ROUTES.find((route) => route.id === id)?.id ?? 'overview';
}
