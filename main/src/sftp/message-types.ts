/** SFTP version 3 packet types (draft-ietf-secsh-filexfer-02 §3). */
export const MessageType = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;

const NAMES = new Map<number, string>(Object.entries(MessageType).map(([name, type]) => [type, name]));

/** The name of a packet type, for logs. */
export function messageName(type: number): string {
  return NAMES.get(type) ?? `type ${type}`;
}
