import type { ReactNode } from 'react';

/** A column heading: `numeric` right-aligns it with its cells; `hidden` keeps it for screen readers only. */
export type Column = string | { name: string; numeric?: true; hidden?: true };

function ColumnHeading({ column }: { column: Column }) {
  if (typeof column === 'string') return <th scope="col">{column}</th>;
  return (
    <th scope="col" className={column.numeric ? 'number' : undefined}>
      {column.hidden ? <span className="visually-hidden">{column.name}</span> : column.name}
    </th>
  );
}

/**
 * A labelled table of `rows`, one `row` each; with none, a single row across every column says
 * what it will hold (`empty`) and what to do to fill it.
 */
export function DataTable<T>({
  label,
  columns,
  rows,
  row,
  empty,
}: {
  label: string;
  columns: readonly Column[];
  rows: readonly T[];
  row: (item: T) => ReactNode;
  empty: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((column) => (
              <ColumnHeading key={typeof column === 'string' ? column : column.name} column={column} />
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr className="empty-row">
              <td colSpan={columns.length}>{empty}</td>
            </tr>
          ) : (
            rows.map(row)
          )}
        </tbody>
      </table>
    </div>
  );
}
