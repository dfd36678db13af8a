import type { AccountView } from '@grid-sftp/core/api';

/** `password, 2 keys`, `1 key`, or `none` (an account nobody can log in to yet). */
export function loginMethods(account: Pick<AccountView, 'hasPassword' | 'keys'>): string {
  const methods: string[] = [];
  if (account.hasPassword) methods.push('password');
  if (account.keys.length > 0)
    methods.push(account.keys.length === 1 ? '1 key' : `${account.keys.length} keys`);
  return methods.length === 0 ? 'none' : methods.join(', ');
}
