import type { ConnectionSlice, SetState } from '../app-state.js';
import { clearedError } from '../track-result.js';

export function createConnectionSlice(set: SetState): ConnectionSlice {
  return {
    connection: 'connecting',
    loaded: false,
    loadError: null,
    pending: {},
    errors: {},
    setConnection: (connection) => set({ connection }),
    setLoadError: (loadError) => set({ loadError }),
    clearError: (key) => set((state) => clearedError(state, key)),
  };
}
