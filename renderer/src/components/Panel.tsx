import { useId, type ReactNode } from 'react';

/** A titled section of a view, named by its `<h2>`; `actions` sit beside the title. */
export function Panel({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const headingId = useId();
  const heading = <h2 id={headingId}>{title}</h2>;
  return (
    <section className="panel" aria-labelledby={headingId}>
      {actions === undefined ? (
        heading
      ) : (
        <div className="panel-head">
          {heading}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}
