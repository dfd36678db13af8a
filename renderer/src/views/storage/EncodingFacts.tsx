import type { GridEncodingView } from '@grid-sftp/core/api';

export function EncodingFacts({ encoding }: { encoding: GridEncodingView | null }) {
  if (encoding === null) return <p className="muted">Loading the encoding…</p>;
  return (
    <>
      <dl className="facts facts-row" aria-label="Encoding">
        <div>
          <dt>k</dt>
          <dd>{encoding.k}</dd>
        </div>
        <div>
          <dt>happy</dt>
          <dd>{encoding.happy}</dd>
        </div>
        <div>
          <dt>n</dt>
          <dd>{encoding.n}</dd>
        </div>
      </dl>
      <p className="muted">
        Each file is encrypted and split into {encoding.n} shares, any {encoding.k} of which rebuild it. An
        upload succeeds once its shares are spread over at least {encoding.happy} nodes.
      </p>
    </>
  );
}
