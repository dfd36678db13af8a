import { describe, expect, it } from 'vitest';
import { formatPercent, formatRate } from '../src/format/rate.js';
import { formatDuration } from '../src/format/time.js';
import { dialHost, serverAddress, sftpCommand, sshfsCommand } from '../src/views/server-address.js';

describe('formatDuration', () => {
  it('shows the two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59_999)).toBe('59s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration((3 * 3600 + 7 * 60) * 1000)).toBe('3h 07m');
    expect(formatDuration((2 * 86_400 + 4 * 3600) * 1000)).toBe('2d 4h');
    expect(formatDuration(-5)).toBe('0s');
  });
});

describe('formatRate and formatPercent', () => {
  it('averages since the start and never exceeds 100%', () => {
    expect(formatRate(2048, 0, 2000)).toBe('1.00 KiB/s');
    expect(formatRate(2048, 1000, 1000)).toBe('—');
    expect(formatPercent(1, 3)).toBe('33%');
    expect(formatPercent(5, 4)).toBe('100%');
    expect(formatPercent(0, 0)).toBe('0%');
  });
});

describe('connection commands', () => {
  it('dial the listening host, or the page host when listening everywhere', () => {
    expect(serverAddress({ host: '::1', port: 22 })).toBe('[::1]:22');
    expect(dialHost({ host: '0.0.0.0' }, 'nas.local')).toBe('nas.local');
    expect(dialHost({ host: '::' }, '[fd00::2]')).toBe('[fd00::2]');
    expect(sftpCommand('bob', { host: '192.168.1.5', port: 2022 }, 'x')).toBe('sftp -P 2022 bob@192.168.1.5');
    expect(sshfsCommand('bob', { host: '::1', port: 2022 }, 'x')).toBe(
      'sshfs -p 2022 bob@[::1]:/ ~/grid -o reconnect,ServerAliveInterval=15',
    );
  });
});
