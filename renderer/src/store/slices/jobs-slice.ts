import type { ApiClient } from '@grid-sftp/core/api';
import { actionKeys } from '../action-keys.js';
import type { JobsSlice, SetState } from '../app-state.js';
import { byId, upsertBy } from '../lists.js';
import { trackResult } from '../track-result.js';

export function createJobsSlice(set: SetState, client: ApiClient): JobsSlice {
  return {
    jobs: [],
    startHealthJob: async (action, target) => {
      const result = await trackResult(set, actionKeys.startJob, () =>
        client.startHealthJob({ action, target }),
      );
      if (result.ok) set((state) => ({ jobs: upsertBy(state.jobs, result.value, byId) }));
      return result;
    },
  };
}
