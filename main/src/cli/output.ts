/** The CLI's two channels: results on stdout (caps, listings, reports), everything else on stderr. */

export const PROGRAM = 'grid-sftp';

/** Folds any text into one line, so that each message is exactly one line of stderr. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${PROGRAM}: warning: ${oneLine(message)}\n`);
}

export function printError(message: string): void {
  process.stderr.write(`${PROGRAM}: ${oneLine(message)}\n`);
}
