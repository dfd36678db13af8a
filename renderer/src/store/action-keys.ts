/** The keys under which an action's pending flag and error are kept (see track-result.ts). */
export const actionKeys = {
  server: 'server',
  disconnect: (sessionId: string) => `session:${sessionId}`,
  addAccount: 'account:add',
  updateAccount: (name: string) => `account:${name}:update`,
  removeAccount: (name: string) => `account:${name}:remove`,
  commit: (handleId: string) => `commit:${handleId}`,
  addNode: 'node:add',
  refreshNodes: 'node:refresh',
  startJob: 'job:start',
} as const;
