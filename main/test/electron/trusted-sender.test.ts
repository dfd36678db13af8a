import { describe, expect, it } from 'vitest';
import { isOurPage, isTrustedSender, type FrameLike } from '../../src/electron/trusted-sender.js';

const PAGE = 'file:///opt/grid-sftp/ui/index.html';

function frame(overrides: Partial<FrameLike> = {}): FrameLike {
  return { url: PAGE, parent: null, processId: 7, frameToken: 'main-token', ...overrides };
}

describe('IPC is answered only for our own page', () => {
  const main = frame();

  it('accepts the main frame showing our file, whatever view its fragment names', () => {
    expect(isTrustedSender(frame(), main, PAGE)).toBe(true);
    expect(isTrustedSender(frame({ url: `${PAGE}#/accounts` }), main, PAGE)).toBe(true);
  });

  it('refuses a missing frame (navigated away or destroyed)', () => {
    expect(isTrustedSender(null, main, PAGE)).toBe(false);
    expect(isTrustedSender(undefined, main, PAGE)).toBe(false);
    expect(isTrustedSender(frame(), null, PAGE)).toBe(false);
  });

  it('refuses a child frame, even one showing our file', () => {
    expect(isTrustedSender(frame({ parent: main, frameToken: 'child' }), main, PAGE)).toBe(false);
  });

  it('refuses a frame that is not the window’s main frame', () => {
    expect(isTrustedSender(frame({ frameToken: 'other' }), main, PAGE)).toBe(false);
    expect(isTrustedSender(frame({ processId: 8 }), main, PAGE)).toBe(false);
  });

  it('refuses our frame once it shows anything else', () => {
    for (const url of [
      'https://example.com/index.html',
      'file:///opt/grid-sftp/ui/other.html',
      'file:///tmp/index.html',
      `${PAGE}?x=1`,
      'about:blank',
      'not a url',
    ]) {
      expect(isTrustedSender(frame({ url }), main, PAGE), url).toBe(false);
    }
  });

  it('compares file URLs only, never web pages', () => {
    expect(isOurPage('https://example.com/', 'https://example.com/')).toBe(false);
    expect(isOurPage(PAGE, PAGE)).toBe(true);
  });
});
