import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateHostKey } from '../../src/gateway/host-keys.js';

describe('generateHostKey', () => {
  it('makes ed25519 keys that always parse back (ssh2 alone fails about 1 in 256)', () => {
    // 2,000 keys: with ssh2's generator alone, at least one fails with probability 99.9%.
    for (let i = 0; i < 2000; i++) {
      const key = generateHostKey('ed25519');
      const parsed = ssh2.utils.parseKey(key);
      expect(parsed).not.toBeInstanceOf(Error);
      expect(ssh2.utils.parseKey((parsed as ssh2.ParsedKey).getPublicSSH())).not.toBeInstanceOf(Error);
    }
  });

  it('makes ecdsa and rsa keys that parse back', () => {
    for (const [type, bits] of [
      ['ecdsa', 256],
      ['rsa', 2048],
    ] as const) {
      expect(ssh2.utils.parseKey(generateHostKey(type, bits))).not.toBeInstanceOf(Error);
    }
  });
});
