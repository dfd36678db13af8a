import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { z } from 'zod';
import { writeFileAtomic } from '../home/atomic-file.js';
import type { SecretBox } from '../home/secret-box.js';
import { secretsDir } from '../home/secrets.js';
import { parseSshKey } from './parse-key.js';

const { utils } = ssh2;

/** The server's host keys: made on first run, kept sealed in the home, the same on every start. */
export interface HostKey {
  readonly type: 'ed25519' | 'ecdsa' | 'rsa';
  /** OpenSSH private key text, for ssh2. */
  readonly privateKey: string;
  /** SHA256:… of the public key, as `ssh-keygen -l` and OpenSSH's prompts show it. */
  readonly fingerprint: string;
}

const Stored = z.object({
  format: z.literal('grid-sftp-host-keys'),
  version: z.literal(1),
  keys: z.record(z.string(), z.string()),
});

const SPECS: ReadonlyArray<{ type: HostKey['type']; bits?: number }> = [
  { type: 'ed25519' },
  { type: 'ecdsa', bits: 256 },
  { type: 'rsa', bits: 3072 },
];

/**
 * A new host key's OpenSSH private key text. ssh2's generator strips leading zero bytes from an
 * ed25519 public key, so about 1 key in 256 comes out that its own parser rejects (ssh2 issues
 * #1390 and #1513): the gateway then failed to start with "Malformed OpenSSH private key". Keys
 * that do not parse back are made again.
 */
export function generateHostKey(type: HostKey['type'], bits?: number): string {
  for (let attempt = 1; ; attempt++) {
    const pair =
      type === 'ed25519'
        ? utils.generateKeyPairSync('ed25519')
        : utils.generateKeyPairSync(type, { bits: bits ?? (type === 'rsa' ? 3072 : 256) });
    const parses =
      !(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error);
    if (parses) return pair.private;
    if (attempt === 20) throw new Error(`could not make a ${type} host key that parses back`);
  }
}

export function fingerprintOfPrivateKey(privateKey: string): string {
  const key = parseSshKey(privateKey);
  return `SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
}

export async function loadHostKeys(home: string, box: SecretBox): Promise<HostKey[]> {
  const file = join(secretsDir(home), 'host-keys.json');
  let stored: Record<string, string> = {};
  try {
    const parsed = Stored.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (parsed.success) stored = parsed.data.keys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let changed = false;
  const keys = SPECS.map(({ type, bits }) => {
    let privateKey: string;
    const sealed = stored[type];
    if (sealed === undefined) {
      privateKey = generateHostKey(type, bits);
      stored[type] = box.seal(new TextEncoder().encode(privateKey));
      changed = true;
    } else {
      privateKey = new TextDecoder().decode(box.open(sealed));
    }
    return { type, privateKey, fingerprint: fingerprintOfPrivateKey(privateKey) };
  });
  if (changed) {
    await writeFileAtomic(
      file,
      `${JSON.stringify({ format: 'grid-sftp-host-keys', version: 1, keys: stored }, null, 2)}\n`,
      0o600,
    );
  }
  return keys;
}
