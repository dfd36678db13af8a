export type QuitAnswer = 'wait' | 'quit';

export interface QuitGuardOptions {
  /** Commits closing or committing right now. */
  pendingCommits(): number;
  /** Asks the user what to do while `pending` commits run. */
  ask(pending: number): Promise<QuitAnswer>;
  /** Called once, when quitting may go ahead (the service then drains and closes). */
  proceed(): void;
  /** How often to look whether the commits have finished while waiting. */
  readonly pollMs?: number;
}

export interface QuitGuard {
  /** The user asked to quit (menu, tray, signal). */
  request(): void;
  readonly waiting: boolean;
}

/**
 * Quitting while files are still being committed to the grid would lose them (their spool is
 * dropped with the process), so a quit with commits pending asks first: wait (and quit by itself
 * once they are done, unless asked again) or quit anyway.
 */
export function createQuitGuard(options: QuitGuardOptions): QuitGuard {
  const pollMs = options.pollMs ?? 500;
  let asking = false;
  let proceeded = false;
  let poll: ReturnType<typeof setInterval> | undefined;

  const proceed = (): void => {
    if (proceeded) return;
    proceeded = true;
    if (poll !== undefined) clearInterval(poll);
    poll = undefined;
    options.proceed();
  };

  const waitForCommits = (): void => {
    if (poll !== undefined) return;
    poll = setInterval(() => {
      if (!asking && options.pendingCommits() === 0) proceed();
    }, pollMs);
  };

  const request = async (): Promise<void> => {
    if (proceeded || asking) return;
    const pending = options.pendingCommits();
    if (pending === 0) return proceed();
    asking = true;
    let answer: QuitAnswer;
    try {
      answer = await options.ask(pending);
    } catch {
      // With no way to ask (the dialog failed), keeping the commits is the safe choice.
      answer = 'wait';
    } finally {
      asking = false;
    }
    if (answer === 'quit' || options.pendingCommits() === 0) proceed();
    else waitForCommits();
  };

  return {
    request: () => void request(),
    get waiting() {
      return poll !== undefined;
    },
  };
}
