import type { ApiClient, HealthJobView } from '@grid-sftp/core/api';
import { actionKeys } from '../action-keys.js';
import type { JobsSlice, SetState } from '../app-state.js';
import { upsertBy } from '../lists.js';
import { trackResult } from '../track-result.js';

export const jobId = (job: HealthJobView): string => job.id;

export function createJobsSlice(set: SetState, client: ApiClient): JobsSlice {
  return {
    jobs: [],
    startHealthJob: async (action, target) => {
      const result = await trackResult(set, actionKeys.startJob, () =>
        client.startHealthJob({ action, target }),
      );
      if (result.ok) set((state) => ({ jobs: upsertBy(state.jobs, result.value, jobId) }));
      return result;
    },
  };
}
