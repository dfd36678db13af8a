import { StorageNodeError } from '@grid-sftp/core';
import type {
  NodeSpace,
  ShareInfo,
  ShareTest,
  ShareWriter,
  StorageIndexText,
  StorageNode,
  StorageNodeKind,
  TestAndSetResult,
} from '@grid-sftp/core';

/**
 * Stands in for a node that could not be opened (folder deleted, disk unplugged, node.json
 * damaged). The grid already treats a node that throws as a lost node: reads skip it and uploads
 * place its shares elsewhere while `happy` can still be met. So one broken node costs only its
 * shares, instead of stopping every command.
 */
export class UnavailableNode implements StorageNode {
  constructor(
    readonly id: string,
    readonly kind: StorageNodeKind,
    readonly location: string,
    readonly reason: string,
  ) {}

  private fail(): Promise<never> {
    return Promise.reject(new StorageNodeError(this.id, `unavailable: ${this.reason}`));
  }

  createShare(_si: StorageIndexText, _shnum: number): Promise<ShareWriter> {
    return this.fail();
  }

  readShare(_si: StorageIndexText, _shnum: number, _offset: number, _length: number): Promise<Uint8Array> {
    return this.fail();
  }

  listShares(_si: StorageIndexText): Promise<ShareInfo[]> {
    return this.fail();
  }

  deleteShare(_si: StorageIndexText, _shnum: number): Promise<void> {
    return this.fail();
  }

  testAndSetShare(
    _si: StorageIndexText,
    _shnum: number,
    _test: ShareTest,
    _data: Uint8Array,
  ): Promise<TestAndSetResult> {
    return this.fail();
  }

  // eslint-disable-next-line require-yield -- an async iterable that fails on its first step
  async *listStorageIndexes(): AsyncIterable<StorageIndexText> {
    await this.fail();
  }

  space(): Promise<NodeSpace> {
    return this.fail();
  }

  /** Nothing was opened, so there is nothing to close; failing here would only break cleanup. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
