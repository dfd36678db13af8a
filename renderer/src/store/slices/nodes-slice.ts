import type { ApiClient } from '@grid-sftp/core/api';
import { actionKeys } from '../action-keys.js';
import type { NodesSlice, SetState } from '../app-state.js';
import { byId, upsertBy } from '../lists.js';
import { trackResult } from '../track-result.js';

export function createNodesSlice(set: SetState, client: ApiClient): NodesSlice {
  return {
    nodes: [],
    encoding: null,
    addLocalNode: async (path) => {
      const result = await trackResult(set, actionKeys.addNode, () => client.addLocalNode({ path }));
      if (result.ok) set((state) => ({ nodes: upsertBy(state.nodes, result.value, byId) }));
      return result;
    },
    refreshNodes: async () => {
      const result = await trackResult(set, actionKeys.refreshNodes, () => client.refreshNodes({}));
      if (result.ok) set({ nodes: [...result.value] });
      return result;
    },
  };
}
