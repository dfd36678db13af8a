/** What the last action did, read out without interrupting: the `role="status"` region is always there. */
export function StatusText({ message }: { message: string }) {
  return (
    <p role="status" className="status-text">
      {message}
    </p>
  );
}
