/** The parts of Electron's `WebFrameMain` that identify a frame and the document in it. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId: number;
  readonly frameToken: string;
}

/**
 * Whether an IPC message comes from our own page: the top frame of our window (not an iframe,
 * not another window), still showing our file. Anything else that manages to send on our
 * channels (an injected frame, a page navigated elsewhere) is refused before the service sees it.
 */
export function isTrustedSender(
  sender: FrameLike | null | undefined,
  mainFrame: FrameLike | null | undefined,
  pageUrl: string,
): boolean {
  if (sender == null || mainFrame == null) return false;
  if (sender.parent !== null) return false;
  if (sender.processId !== mainFrame.processId || sender.frameToken !== mainFrame.frameToken) return false;
  return isOurPage(sender.url, pageUrl);
}

/** Same file:// document as ours; the fragment may differ (the UI keeps its view there). */
export function isOurPage(url: string, pageUrl: string): boolean {
  const actual = parseUrl(url);
  const expected = parseUrl(pageUrl);
  if (actual === undefined || expected === undefined) return false;
  return (
    expected.protocol === 'file:' &&
    actual.protocol === 'file:' &&
    actual.host === expected.host &&
    actual.pathname === expected.pathname &&
    actual.search === expected.search
  );
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
