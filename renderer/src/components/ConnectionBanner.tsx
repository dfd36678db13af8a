import { useApp } from '../store/store-context.js';

/**
 * The headless bridge refuses a page without its token, and the browser does not say why a
 * WebSocket was refused: point at the usual cause when the address has no token at all.
 */
function missingToken(): boolean {
  return window.grid === undefined && !new URLSearchParams(window.location.search).get('token');
}

/** Says when the page cannot reach the service (edits would fail; lists may be stale). */
export function ConnectionBanner() {
  const connection = useApp((s) => s.connection);
  const loaded = useApp((s) => s.loaded);
  const loadError = useApp((s) => s.loadError);

  if (loadError !== null) {
    return (
      <div className="banner banner-error" role="alert">
        Could not load the app’s state: {loadError.message}
      </div>
    );
  }
  if (connection === 'closed' && missingToken()) {
    return (
      <div className="banner banner-error" role="alert">
        Cannot connect: this address has no access token. Open the full address printed on the “UI:” line of{' '}
        <code>grid-sftp serve</code> (it ends in <code>?token=…</code>).
      </div>
    );
  }
  if (connection === 'closed') {
    return (
      <div className="banner banner-error" role="alert">
        Disconnected from the Grid SFTP service. Reconnecting… What you see may be out of date, and changes
        cannot be made until it is back.
      </div>
    );
  }
  if (connection === 'connecting' || !loaded) {
    return (
      <div className="banner banner-info" role="status">
        Connecting to the Grid SFTP service…
      </div>
    );
  }
  return null;
}
