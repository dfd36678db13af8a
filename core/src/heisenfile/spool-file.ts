import { open } from 'node:fs/promises';

/** The few positional operations the spool needs from its temporary file (a node FileHandle fits). */
export interface SpoolFile {
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
  /** False when no file was made on disk (SpillingSpoolFile), so there is nothing to unlink. */
  readonly onDisk?: boolean;
}

/** Creates the temp file exclusively, readable by its owner only. */
export async function openSpoolFile(path: string): Promise<SpoolFile> {
  return open(path, 'wx+', 0o600);
}

/** A spool failure with the errno code (ENOSPC, EIO...) of its cause, when there was one. */
export class SpoolError extends Error {
  override readonly name = 'SpoolError';
  readonly code: string | undefined;

  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code ?? errnoCode(options?.cause);
  }
}

export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

export async function writeFully(file: SpoolFile, data: Uint8Array, position: number): Promise<void> {
  try {
    for (let done = 0; done < data.length;) {
      const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  } catch (err) {
    const code = errnoCode(err);
    const what =
      code === 'ENOSPC'
        ? 'no space left on the device holding the spool'
        : `spool write failed (${code ?? String(err)})`;
    throw new SpoolError(`${what}: ${data.length} bytes at offset ${position}`, { cause: err });
  }
}

export async function readFully(file: SpoolFile, target: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < target.length;) {
    const { bytesRead } = await file.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) throw new SpoolError(`spool file ends before offset ${position + done}`);
    done += bytesRead;
  }
}
