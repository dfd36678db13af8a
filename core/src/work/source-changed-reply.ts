import { SourceChangedError } from '../util/byte-source.js';

/**
 * A SourceChangedError, sent back from a worker as a reply: thrown across threads it would arrive
 * as a plain Error (structured clone keeps only the built-in error classes), and callers tell a
 * source that changed under them from other failures by its class.
 */
interface SourceChangedReply {
  readonly sourceChanged: { readonly expected: number; readonly actual: number };
}

/** Runs a worker task, replying instead of throwing when its source changed. */
export function replyingSourceChanged<T>(task: () => T): T | SourceChangedReply {
  try {
    return task();
  } catch (error) {
    if (!(error instanceof SourceChangedError)) throw error;
    return { sourceChanged: { expected: error.expected, actual: error.actual } };
  }
}

/** The worker's result, or its SourceChangedError thrown again on this side. */
export function unlessSourceChanged<T>(result: T): T {
  const reply = result as Partial<SourceChangedReply> | null;
  if (typeof reply === 'object' && reply !== null && reply.sourceChanged !== undefined)
    throw new SourceChangedError(reply.sourceChanged.expected, reply.sourceChanged.actual);
  return result;
}
