import ssh2, { type ParsedKey } from 'ssh2';

/** ssh2's key parser, throwing instead of returning its error. */
export function parseSshKey(text: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) throw parsed;
  return parsed;
}
