import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../src/gateway/login-throttle.js';
import { dfReport, isDfCommand } from '../../src/gateway/exec-commands.js';

describe('LoginThrottle', () => {
  it('blocks an address after repeated failures, per address, until the window passes', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.blocked('10.0.0.1')).toBe(false);
      throttle.failed('10.0.0.1');
    }
    expect(throttle.blocked('10.0.0.1')).toBe(true);
    expect(throttle.blocked('10.0.0.2')).toBe(false);
    now += 60_001;
    expect(throttle.blocked('10.0.0.1')).toBe(false);
    throttle.failed('10.0.0.2');
    throttle.succeeded('10.0.0.2');
    expect(throttle.blocked('10.0.0.2')).toBe(false);
  });
});

describe('exec commands', () => {
  it('recognises df as sshfs and people type it, and nothing else', () => {
    for (const command of ['df -P -k /', 'df', 'df -h', 'df -Pk .', ' df -P -k / '])
      expect(isDfCommand(command), command).toBe(true);
    for (const command of ['df; rm -rf /', 'dfx', 'ls', 'df /etc', 'cat /etc/passwd'])
      expect(isDfCommand(command), command).toBe(false);
  });

  it('reports the grid capacity after the n/k expansion in POSIX df format', async () => {
    const fakeGrid = {
      capacity: () => Promise.resolve({ effectiveTotalBytes: 3 * 1024 ** 3, effectiveFreeBytes: 1024 ** 3 }),
    } as unknown as Parameters<typeof dfReport>[0];
    const report = await dfReport(fakeGrid);
    expect(report).toBe(
      'Filesystem     1024-blocks      Used Available Capacity Mounted on\n' +
        'grid-sftp          3145728   2097152   1048576      67% /\n',
    );
  });
});
