import { z } from 'zod';
import type { MethodName } from '@grid-sftp/core/api';

/**
 * The shape of every request's parameters, checked before the service acts (a UI is a client
 * like any other: a bad or hostile message gets `invalid-input`, never an exception). Strict
 * objects: an unknown field is an error, not silently ignored.
 */
const none = z.strictObject({});
const id = z.strictObject({ id: z.string().min(1).max(200) });
const name = z.string().min(1).max(64);
const keyLines = z.array(z.string().max(16_384)).max(100);

export const PARAMS = {
  getSnapshot: none,
  startServer: none,
  stopServer: none,
  disconnectSession: id,
  addAccount: z.strictObject({
    name,
    password: z.string().max(1024).optional(),
    publicKeys: keyLines,
    root: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('new') }),
      z.strictObject({ kind: z.literal('cap'), cap: z.string().min(1).max(4096) }),
    ]),
    readOnly: z.boolean(),
  }),
  updateAccount: z.strictObject({
    name,
    password: z.string().max(1024).nullable().optional(),
    publicKeys: keyLines.optional(),
    readOnly: z.boolean().optional(),
  }),
  removeAccount: z.strictObject({ name }),
  retryCommit: id,
  discardCommit: id,
  addLocalNode: z.strictObject({ path: z.string().min(1).max(4096) }),
  refreshNodes: none,
  startHealthJob: z.strictObject({
    action: z.enum(['check', 'verify', 'repair']),
    target: z.union([
      z.strictObject({ account: name }),
      z.strictObject({ cap: z.string().min(1).max(4096) }),
    ]),
  }),
} satisfies Record<MethodName, z.ZodType>;

/** Field names as the contract spells them, for errors shown beside a form field. */
export function fieldOf(path: readonly PropertyKey[]): string | undefined {
  const first = path[0];
  return typeof first === 'string' ? first : undefined;
}
