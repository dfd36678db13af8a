/**
 * The contract between the UI and the app service (DESIGN §1): plain types only, no Node or DOM.
 * It grows with the app issue; for now it names the shapes the grid already reports.
 */
export type Result<T, E = { readonly code: string; readonly message: string }> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export interface GridEncodingView {
  readonly k: number;
  readonly happy: number;
  readonly n: number;
}

export interface StorageNodeView {
  readonly id: string;
  readonly kind: 'local' | 'sftp' | 's3' | 'memory';
  readonly location: string;
  readonly totalBytes?: number;
  readonly freeBytes?: number;
  readonly usedBytes?: number;
  readonly ok: boolean;
  readonly error?: string;
}
