import { describe, expect, it } from 'vitest';
import { DEFAULT_LISTEN, listenAddressFrom } from '../../src/electron/listen-address.js';

describe('GRID_SFTP_LISTEN', () => {
  it('defaults to 127.0.0.1:2222', () => {
    expect(listenAddressFrom(undefined)).toEqual(DEFAULT_LISTEN);
    expect(listenAddressFrom('')).toEqual({ host: '127.0.0.1', port: 2222 });
  });

  it('reads HOST:PORT, [IPv6]:PORT and :PORT', () => {
    expect(listenAddressFrom('0.0.0.0:2022')).toEqual({ host: '0.0.0.0', port: 2022 });
    expect(listenAddressFrom('[::1]:22')).toEqual({ host: '::1', port: 22 });
    expect(listenAddressFrom(':0')).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('names the variable when the value is wrong', () => {
    for (const bad of ['localhost', '1.2.3.4:70000', 'host:port', '::1:22']) {
      expect(() => listenAddressFrom(bad), bad).toThrow(/GRID_SFTP_LISTEN/);
    }
  });
});
