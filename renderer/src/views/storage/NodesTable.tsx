import type { StorageNodeView } from '@grid-sftp/core/api';
import { EmptyRow } from '../../components/EmptyRow.js';
import { formatBytes } from '../../format/bytes.js';

const size = (bytes: number | undefined): string => (bytes === undefined ? '—' : formatBytes(bytes));

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
    <div className="table-wrap">
      <table aria-label="Storage nodes">
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Kind</th>
            <th scope="col">Location</th>
            <th scope="col" className="number">
              Capacity
            </th>
            <th scope="col" className="number">
              Used
            </th>
            <th scope="col" className="number">
              Free
            </th>
            <th scope="col">Health</th>
          </tr>
        </thead>
        <tbody>
          {nodes.length === 0 ? (
            <EmptyRow columns={7}>
              No storage nodes. Add a local folder below to start storing shares.
            </EmptyRow>
          ) : (
            nodes.map((node) => <NodeRow key={node.id} node={node} />)
          )}
        </tbody>
      </table>
    </div>
  );
}
