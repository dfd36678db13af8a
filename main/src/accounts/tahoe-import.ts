import { parsePublicKey, PublicKeyError, type AccountKey } from './public-key.js';

/** One account line of a Tahoe-LAFS accounts file, as read. */
export interface TahoeAccountLine {
  readonly line: number;
  readonly name: string;
  readonly password?: string;
  readonly key?: AccountKey;
  /** The root cap as written (a Tahoe `URI:DIR2:…` cap, or one of ours). */
  readonly rootCap: string;
}

/**
 * Parses a Tahoe-LAFS SFTP accounts file: `USER KEYTYPE KEY ROOTCAP` lines and the older
 * `USER PASSWORD ROOTCAP` ones; `#` comments and blank lines are skipped. Bad lines are reported
 * with their number, never half-imported.
 */
export function parseTahoeAccounts(text: string): { accounts: TahoeAccountLine[]; errors: string[] } {
  const accounts: TahoeAccountLine[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    const fields = content.split(/\s+/);
    const name = fields[0] ?? '';
    const rootCap = fields.at(-1) ?? '';
    if (fields.length < 3) {
      errors.push(`line ${line}: expected "USER PASSWORD ROOTCAP" or "USER KEYTYPE KEY ROOTCAP"`);
      return;
    }
    if (
      fields[1]?.startsWith('ssh-') === true ||
      fields[1]?.startsWith('ecdsa-') === true ||
      fields[1]?.startsWith('sk-') === true
    ) {
      try {
        accounts.push({ line, name, key: parsePublicKey(fields.slice(1, -1).join(' ')), rootCap });
      } catch (error) {
        errors.push(`line ${line}: ${error instanceof PublicKeyError ? error.message : 'bad public key'}`);
      }
      return;
    }
    if (fields.length !== 3) {
      errors.push(`line ${line}: a password line has exactly three fields`);
      return;
    }
    accounts.push({ line, name, password: fields[1] ?? '', rootCap });
  });
  return { accounts, errors };
}
