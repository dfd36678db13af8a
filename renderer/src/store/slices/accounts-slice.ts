import type { AccountView, ApiClient } from '@grid-sftp/core/api';
import { actionKeys } from '../action-keys.js';
import type { AccountsSlice, SetState } from '../app-state.js';
import { removeBy, upsertBy } from '../lists.js';
import { trackResult } from '../track-result.js';

const byName = (account: AccountView): string => account.name;

export function createAccountsSlice(set: SetState, client: ApiClient): AccountsSlice {
  // Replies update the list at once; the `accounts` event that follows brings the same data.
  return {
    accounts: [],
    addAccount: async (input) => {
      const result = await trackResult(set, actionKeys.addAccount, () => client.addAccount(input));
      if (result.ok) set((state) => ({ accounts: upsertBy(state.accounts, result.value, byName) }));
      return result;
    },
    updateAccount: async (update) => {
      const key = actionKeys.updateAccount(update.name);
      const result = await trackResult(set, key, () => client.updateAccount(update));
      if (result.ok) set((state) => ({ accounts: upsertBy(state.accounts, result.value, byName) }));
      return result;
    },
    removeAccount: async (name) => {
      const key = actionKeys.removeAccount(name);
      const result = await trackResult(set, key, () => client.removeAccount({ name }));
      if (result.ok) set((state) => ({ accounts: removeBy(state.accounts, name, byName) }));
      return result;
    },
  };
}
