// Part 5: the gateway side by side with OpenSSH's sshd (internal-sftp on a plain folder), in one
// run: an upload until it reads back, its download, and 1,000 small files copied into an sshfs
// mount. Prints grid/OpenSSH time ratios and the gateway's peak RSS.
import { NODE_FLAGS } from './node-flags.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveSshd, startOpenSsh } from './openssh-server.mjs';
import { childrenReaped, processCpuSeconds } from './process-cpu.mjs';
import { makeTempDir, removeTempDir } from './temp.mjs';

const CLI = fileURLToPath(new URL('../../main/bin/grid-sftp.js', import.meta.url));
const SSH_OPTIONS = [
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'BatchMode=yes',
  '-o',
  'LogLevel=ERROR',
];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * Each timed phase starts with the disk caught up (not timed). OpenSSH writes an upload without
 * fsync, so the kernel wrote its 256 MiB back during whatever ran next, the grid's phases
 * included, while the grid pays for its own writes (it fsyncs its shares) inside its upload.
 */
async function timed(pid, work) {
  spawnSync('sync');
  const cpu = await cpuMeter(pid);
  const start = performance.now();
  work();
  const seconds = (performance.now() - start) / 1000;
  return { seconds, cpu: await cpu() };
}

/** Starts counting the CPU of server `pid`; the returned function gives the seconds used since. */
async function cpuMeter(pid) {
  await childrenReaped(pid);
  const before = processCpuSeconds(pid);
  return async () => {
    await childrenReaped(pid);
    const after = processCpuSeconds(pid);
    return before === undefined || after === undefined ? undefined : after - before;
  };
}

async function startGateway(dir, key) {
  const home = join(dir, 'home');
  run(process.execPath, [
    CLI,
    'init',
    '--nodes',
    '5',
    '--k',
    '3',
    '--happy',
    '4',
    '--n',
    '5',
    '--home',
    home,
  ]);
  run(process.execPath, [CLI, 'account', 'add', 'bench', '--key', `${key}.pub`, '--home', home]);
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, CLI, 'serve', '--listen', '127.0.0.1:0', '--home', home],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
    child.stdout.on('data', (c) => {
      out += c.toString();
      const m = /SFTP: 127\.0\.0\.1:(\d+)/.exec(out);
      if (m && /Host key \(rsa\)/.test(out)) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return {
    port,
    pid: child.pid,
    peakRssMb: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb / 1024;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function sftpBatch(port, key, user, cwd, lines) {
  const batch = join(cwd, 'batch');
  spawnSync('sh', ['-c', `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} > ${batch}`]);
  run('sftp', ['-q', '-i', key, '-P', String(port), ...SSH_OPTIONS, '-b', batch, `${user}@127.0.0.1`], {
    cwd,
  });
}

/**
 * An sftp session kept open across a timed step, so the step can end with a check through it
 * (a listing) without paying for a new SSH connection inside the timing.
 */
async function openSftp(port, key, user) {
  const child = spawn(
    'sftp',
    ['-q', '-i', key, '-P', String(port), ...SSH_OPTIONS, '-b', '-', `${user}@127.0.0.1`],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let waiter;
  child.stdout.on('data', (c) => {
    out += c.toString();
    waiter?.();
  });
  const run = (command) =>
    new Promise((resolve, reject) => {
      const marker = `__bench_${Math.random().toString(36).slice(2)}__`;
      out = '';
      waiter = () => {
        const at = out.indexOf(`${marker}\n`);
        if (at !== -1) {
          waiter = undefined;
          resolve(out.slice(0, at));
        }
      };
      child.once('exit', () => reject(new Error(`sftp exited: ${out}`)));
      child.stdin.write(`${command}\n!echo ${marker}\n`);
    });
  await run('pwd');
  return {
    run,
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * `cp -r` of the 1,000 files into an sshfs mount, until another connection lists all of them:
 * sshfs does not wait for CLOSE replies, so the copy alone would not say whether the server has
 * stored the last files yet (the gateway may still be committing them).
 */
async function smallFilesIntoMount(port, key, user, work, label) {
  const mnt = join(work, `mnt-${label}`);
  await mkdir(mnt, { recursive: true });
  run('sshfs', ['-p', String(port), '-o', `IdentityFile=${key}`, ...SSH_OPTIONS, `${user}@127.0.0.1:`, mnt]);
  const checker = await openSftp(port, key, user);
  try {
    spawnSync('sync'); // as in timed()
    const start = performance.now();
    run('cp', ['-r', join(work, 'small'), join(mnt, `small-${label}`)]);
    const copied = (performance.now() - start) / 1000;
    const listing = await checker.run(`ls -1 small-${label}`);
    const seconds = (performance.now() - start) / 1000;
    const names = listing.split('\n').filter((line) => /f\d{4}\.txt$/.test(line.trim()));
    if (names.length !== 1000) throw new Error(`${label}: listed ${names.length} of 1,000 small files`);
    return { seconds, copied };
  } finally {
    await checker.close();
    if (spawnSync('fusermount3', ['-u', mnt]).status !== 0) spawnSync('fusermount3', ['-uz', mnt]);
  }
}

/**
 * The server's CPU is counted over the whole phase, mount and unmount included: OpenSSH's sshd
 * process for the mount is reaped, and so counted, only once the mount is gone.
 */
async function smallFilesPhase(port, pid, key, user, work, label) {
  const cpu = await cpuMeter(pid);
  const result = await smallFilesIntoMount(port, key, user, work, label);
  return { ...result, cpu: await cpu() };
}

export async function runGatewayBench({ sizeBytes, log }) {
  if (!haveSshd() || spawnSync('sshfs', ['-V']).error !== undefined)
    return { skipped: 'needs openssh-server, sftp and sshfs' };
  const user = process.env.USER ?? 'root';
  const dir = makeTempDir('gateway');
  try {
    const key = join(dir, 'client');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const work = join(dir, 'work');
    await mkdir(join(work, 'small'), { recursive: true });
    log(`gateway: writing a ${Math.round(sizeBytes / 2 ** 20)} MiB file and 1,000 small files (not timed)`);
    const fd = openSync(join(work, 'big.bin'), 'w');
    const chunk = Buffer.alloc(1 << 20);
    for (let done = 0; done < sizeBytes; done += chunk.length)
      writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, sizeBytes - done));
    closeSync(fd);
    for (let i = 0; i < 1000; i++)
      await writeFile(
        join(work, 'small', `f${String(i).padStart(4, '0')}.txt`),
        `small file ${i}\n`.repeat(1 + (i % 7)),
      );

    const openssh = await startOpenSsh(join(dir, 'openssh'), key);
    const gateway = await startGateway(join(dir, 'grid'), key);
    // Several rounds, each server once per round and the order swapped every round: one run of
    // each measured the machine's mood as much as the servers (single runs of the same build
    // varied by 30% here), and a ratio from one pair taken back to back is fairer than one from
    // two medians taken minutes apart.
    const rounds = Math.max(1, Number(process.env.BENCH_GATEWAY_ROUNDS ?? 3));
    const servers = [
      ['openssh', openssh.port, user, openssh.pid],
      ['grid', gateway.port, 'bench', gateway.pid],
    ];
    const results = { rounds: [] };
    try {
      for (let round = 1; round <= rounds; round++) {
        const measured = {};
        for (const [label, port, account, pid] of round % 2 === 1 ? servers : [...servers].reverse()) {
          const name = `${label}-${round}`;
          log(`gateway: round ${round}/${rounds}: ${label}: upload`);
          // "Until it reads back": the put, then a stat of the file, answered only once it is committed.
          const upload = await timed(pid, () =>
            sftpBatch(port, key, account, work, [`put big.bin big-${name}.bin`, `ls -l big-${name}.bin`]),
          );
          log(`gateway: round ${round}/${rounds}: ${label}: download`);
          const download = await timed(pid, () =>
            sftpBatch(port, key, account, work, [`get big-${name}.bin back-${name}.bin`]),
          );
          await rm(join(work, `back-${name}.bin`), { force: true });
          log(`gateway: round ${round}/${rounds}: ${label}: 1,000 small files through sshfs`);
          const small = await smallFilesPhase(port, pid, key, account, work, name);
          measured[label] = {
            upload: upload.seconds,
            download: download.seconds,
            small: small.seconds,
            smallCopy: small.copied,
            cpu: { upload: upload.cpu, download: download.cpu, small: small.cpu },
          };
        }
        results.rounds.push(measured);
      }
      results.gridPeakRssMb = await gateway.peakRssMb();
    } finally {
      await gateway.stop();
      await openssh.stop();
    }
    return results;
  } finally {
    removeTempDir(dir);
  }
}
