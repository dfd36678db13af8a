export interface SftpLimits {
  /** Largest packet accepted, counted as its length field (type byte + payload), as OpenSSH does. */
  readonly maxPacketLength: number;
  /** READ lengths are clamped to this; advertised so clients ask for this much. */
  readonly maxReadLength: number;
  /** Advertised WRITE size; a bigger one within the packet limit is still accepted. */
  readonly maxWriteLength: number;
  /** Open file and directory handles per session; the next OPEN/OPENDIR gets FAILURE. */
  readonly maxOpenHandles: number;
  /** Requests received and not yet answered; past it we stop reading the stream (backpressure). */
  readonly maxRequestsInFlight: number;
}

/** OpenSSH's numbers: 256 KiB packets, 255 KiB reads and writes (1 KiB left for headers). */
export const DEFAULT_LIMITS: SftpLimits = {
  maxPacketLength: 256 * 1024,
  maxReadLength: 255 * 1024,
  maxWriteLength: 255 * 1024,
  maxOpenHandles: 256,
  maxRequestsInFlight: 64,
};
