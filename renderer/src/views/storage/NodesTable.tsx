import type { StorageNodeView } from '@grid-sftp/core/api';
import { DataTable, type Column } from '../../components/DataTable.js';
import { formatBytes } from '../../format/bytes.js';

const size = (bytes: number | undefined): string => (bytes === undefined ? '—' : formatBytes(bytes));

const COLUMNS: readonly Column[] = [
  'ID',
  'Kind',
  'Location',
  { name: 'Capacity', numeric: true },
  { name: 'Used', numeric: true },
  { name: 'Free', numeric: true },
  'Health',
];

function NodeRow({ node }: { node: StorageNodeView }) {
  return (
    <tr>
      <td>
        <code>{node.id}</code>
      </td>
      <td>{node.kind}</td>
      <td className="path">{node.location}</td>
      <td className="number">{size(node.totalBytes)}</td>
      <td className="number">{size(node.usedBytes)}</td>
      <td className="number">{size(node.freeBytes)}</td>
      <td>
        {node.ok ? (
          <span className="pill pill-ok">ok</span>
        ) : (
          <>
            <span className="pill pill-failed">unavailable</span>
            {node.error !== undefined && <span className="reason"> {node.error}</span>}
          </>
        )}
      </td>
    </tr>
  );
}

export function NodesTable({ nodes }: { nodes: readonly StorageNodeView[] }) {
  return (
    <DataTable
      label="Storage nodes"
      columns={COLUMNS}
      rows={nodes}
      row={(node) => <NodeRow key={node.id} node={node} />}
      empty="No storage nodes. Add a local folder below to start storing shares."
    />
  );
}
