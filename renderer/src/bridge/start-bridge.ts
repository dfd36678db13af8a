import type { AppStore } from '../store/app-store.js';
import type { ServiceConnection } from './connection.js';

/**
 * Feeds the store from the service: events first (so none is missed), then on every (re)connect
 * the snapshot, then `ready`, which lets the service start pushing. Returns a way to stop.
 */
export function startBridge(connection: ServiceConnection, store: AppStore): () => void {
  const { client } = connection;
  const state = () => store.getState();
  // Counts connections, so a snapshot that arrives after its connection dropped is not applied.
  let generation = 0;

  const loadSnapshot = async (mine: number): Promise<void> => {
    let result: Awaited<ReturnType<typeof client.getSnapshot>>;
    try {
      result = await client.getSnapshot({});
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = { ok: false, error: { code: 'internal', message } };
    }
    if (mine !== generation) return;
    if (!result.ok) {
      state().setLoadError(result.error);
      return;
    }
    state().loadSnapshot(result.value);
    client.ready();
  };

  const stopEvents = client.onEvent((event) => state().applyEvent(event));
  const stopStatus = connection.onStatus((status) => {
    state().setConnection(status);
    if (status === 'open') {
      generation++;
      void loadSnapshot(generation);
    } else {
      generation++;
    }
  });

  return () => {
    stopStatus();
    stopEvents();
  };
}
