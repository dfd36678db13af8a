import type { ReactNode } from 'react';

/** A table's only row when it has nothing to show: what it will hold and what to do to fill it. */
export function EmptyRow({ columns, children }: { columns: number; children: ReactNode }) {
  return (
    <tr className="empty-row">
      <td colSpan={columns}>{children}</td>
    </tr>
  );
}
