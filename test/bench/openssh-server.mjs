// A private OpenSSH sshd on loopback serving a plain folder with internal-sftp: the reference the
// gateway is measured against, started and stopped by the bench itself.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:net';

const SSHD = '/usr/sbin/sshd';

export function haveSshd() {
  return existsSync(SSHD) && spawnSync('ssh-keygen', ['-?']).error === undefined;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts sshd for the current user with `clientKey.pub` authorised; returns { port, folder, stop }. */
export async function startOpenSsh(dir, clientKey) {
  const folder = join(dir, 'plain');
  await mkdir(folder, { recursive: true });
  const hostKey = join(dir, 'sshd_host_ed25519');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const authorized = join(dir, 'authorized_keys');
  spawnSync('cp', [`${clientKey}.pub`, authorized]);
  await chmod(authorized, 0o600);
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorized}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'Subsystem sftp internal-sftp',
      `ForceCommand internal-sftp -d ${folder}`,
      '',
    ].join('\n'),
  );
  await mkdir('/run/sshd', { recursive: true });
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (c) => (log += c.toString()));
  await new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const poll = () => {
      const probe = createServer();
      probe.once('error', () => resolve()); // the port is taken: sshd listens
      probe.listen(port, '127.0.0.1', () =>
        probe.close(() =>
          Date.now() > deadline ? reject(new Error(`sshd did not start: ${log}`)) : setTimeout(poll, 100),
        ),
      );
    };
    poll();
  });
  return {
    port,
    folder,
    // sshd forks a process per connection: their CPU shows in the listener's once it reaped them.
    pid: child.pid,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
