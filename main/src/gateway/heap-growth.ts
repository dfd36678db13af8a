import { setFlagsFromString } from 'node:v8';

/**
 * Lets V8's old generation grow to 4× its live size between full collections, V8's own largest
 * growing factor, instead of what its heuristics picked here (a 37 MB limit for a 13-14 MB heap).
 *
 * Why: ssh2 allocates a fresh buffer for every SSH packet it sends or decrypts, a quarter GiB of
 * short-lived external memory per 256 MiB transferred. V8 counts external memory allocated since
 * the last mark-compact against the old generation's limit, and the gateway's live heap is small
 * (~14 MB), so the default headroom ran out every ~20 MB: 15-20 full collections per 256 MiB
 * download, their concurrent marking taking as much CPU as the decoding workers. With 4×,
 * scavenges free those buffers first and a download runs 0-2 mark-compacts.
 *
 * Measured on a 256 MiB transfer against OpenSSH (5-6 paired rounds): server CPU for a download
 * 1.71 -> 1.18 s and for an upload 4.01 -> 2.52 s; peak RSS of the gateway 258 -> 293 MiB. 7×
 * saved little more CPU and cost 90 MiB. The limit still follows the live heap, not file sizes.
 *
 * The flag is read at every limit computation, so setting it once the process runs takes effect
 * at the next collection; it is process-wide (the worker threads' heaps follow it too).
 */
let applied = false;
export function growHeapForTransfers(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--heap-growing-percent=300');
}
