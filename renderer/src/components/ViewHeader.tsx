import type { ReactNode } from 'react';

/** The view's one `<h1>` (focusable so the app can move focus to it on navigation) and its actions. */
export function ViewHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="view-header">
      <h1 tabIndex={-1}>{title}</h1>
      {children !== undefined && <div className="view-header-actions">{children}</div>}
    </header>
  );
}
