import { BrowserWindow, session, shell, type NativeImage, type WebContents } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppEvent } from '@grid-sftp/core/api';
import { createEventGate, type EventGate } from './event-gate.js';
import { EVENT_CHANNEL } from './ipc-channels.js';
import { isOurPage, isTrustedSender, type FrameLike } from './trusted-sender.js';

/** The page gets its scripts and styles from its own folder and talks to nothing else. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "object-src 'none'",
].join('; ');

export interface AppWindow {
  readonly window: BrowserWindow;
  readonly pageUrl: string;
  /** Service events for the page, held until it says it is ready. */
  readonly events: EventGate<AppEvent>;
  /** Whether an IPC message came from our own page in this window. */
  isOurs(sender: WebContents, frame: FrameLike | null): boolean;
  show(): void;
}

export function createAppWindow(options: {
  readonly indexHtml: string;
  readonly preload: string;
  readonly icon: NativeImage;
  readonly warn: (message: string) => void;
}): AppWindow {
  const pageUrl = pathToFileURL(options.indexHtml).href;
  const window = new BrowserWindow({
    width: 1200,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Grid SFTP',
    icon: options.icon,
    backgroundColor: '#f6f8fb',
    webPreferences: {
      preload: options.preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  const contents = window.webContents;

  const events = createEventGate<AppEvent>(
    (event) => {
      if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event);
    },
    { onDrop: (dropped) => options.warn(`the window was not ready: ${dropped} older event(s) dropped`) },
  );
  // A new document (reload, crash recovery) must fetch its snapshot before events flow again.
  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) events.hold();
  });
  contents.on('render-process-gone', () => events.hold());

  guardNavigation(contents, pageUrl, options.warn);
  guardPermissions(pageUrl);

  window.once('ready-to-show', () => window.show());
  void window.loadURL(pageUrl);

  return {
    window,
    pageUrl,
    events,
    isOurs: (sender, frame) =>
      !window.isDestroyed() && sender === contents && isTrustedSender(frame, contents.mainFrame, pageUrl),
    show() {
      if (window.isDestroyed()) return;
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    },
  };
}

/** No remote content: the window shows our file only; web links open in the user's browser. */
function guardNavigation(contents: WebContents, pageUrl: string, warn: (message: string) => void): void {
  const openOutside = (url: string): void => {
    if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
    else warn(`refused to open ${url}`);
  };
  contents.on('will-frame-navigate', (event) => {
    if (event.isMainFrame && isOurPage(event.url, pageUrl)) return;
    event.preventDefault();
    if (event.isMainFrame) openOutside(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (!isOurPage(event.url, pageUrl)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function guardPermissions(pageUrl: string): void {
  const ses = session.defaultSession;
  // The copy buttons (sftp / sshfs commands, fingerprints) write to the clipboard; nothing else.
  const allowed = (permission: string, url: string): boolean =>
    permission === 'clipboard-sanitized-write' && isOurPage(url, pageUrl);
  ses.setPermissionRequestHandler((contents, permission, callback) =>
    callback(allowed(permission, contents.getURL())),
  );
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    allowed(permission, details.requestingUrl ?? requestingOrigin),
  );
  // Chromium applies this where the page's response has headers; index.html carries the same
  // policy in a <meta> tag for file:// loads, which have none.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
}

/** The preload beside this file (bundled by main/scripts/bundle-preload.mjs). */
export function preloadPath(electronDir: string): string {
  return join(electronDir, 'preload.cjs');
}
