import { mkdir, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  Grid,
  LocalDirectoryNode,
  StorageNodeError,
  type GridEncoding,
  type StorageNode,
} from '@grid-sftp/core';
import {
  CONFIG_FILE,
  CONFIG_FORMAT,
  CONFIG_VERSION,
  nodePath,
  readHomeConfig,
  writeHomeConfig,
} from './config.js';
import type { HomeConfig, NodeEntry } from './config.js';
import { chooseEncoding, DEFAULT_NODE_COUNT, MAX_INIT_NODES, type EncodingChoice } from './encoding.js';
import { HomeError } from './errors.js';
import { createConvergenceSecret, readConvergenceSecret } from './secrets.js';
import { UnavailableNode } from './unavailable-node.js';

export type Warn = (message: string) => void;

export interface InitOptions {
  /** Local storage nodes to make inside the home (default 5). */
  readonly nodes?: number | undefined;
  readonly encoding?: EncodingChoice;
}

/**
 * Makes a new home: the convergence secret, `nodes` local node folders and, last, grid.json.
 * grid.json is the commit point: a home without it is not a home, so a crash midway leaves no
 * half-made grid that later commands would trust.
 */
export async function initHome(dir: string, options: InitOptions = {}): Promise<HomeConfig> {
  const home = resolve(dir);
  const nodeCount = options.nodes ?? DEFAULT_NODE_COUNT;
  if (!Number.isSafeInteger(nodeCount) || nodeCount < 1 || nodeCount > MAX_INIT_NODES) {
    throw new HomeError(`--nodes must be a whole number from 1 to ${MAX_INIT_NODES}, got ${nodeCount}`);
  }
  const encoding = chooseEncoding(nodeCount, options.encoding);
  await assertFreshHome(home);
  await mkdir(home, { recursive: true, mode: 0o700 });
  await createConvergenceSecret(home);
  const nodes: NodeEntry[] = [];
  for (let i = 1; i <= nodeCount; i++) {
    const path = join('nodes', `node-${i}`);
    const node = await LocalDirectoryNode.create(join(home, path));
    await node.close();
    nodes.push({ id: node.id, kind: 'local', path });
  }
  const config: HomeConfig = {
    format: CONFIG_FORMAT,
    version: CONFIG_VERSION,
    encoding: { ...encoding },
    nodes,
  };
  await writeHomeConfig(home, config);
  return config;
}

async function assertFreshHome(home: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(home);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new HomeError(`${home} is a file, not a folder`);
    throw error;
  }
  if (entries.includes(CONFIG_FILE))
    throw new HomeError(`a grid home already exists at ${home}; refusing to overwrite it`);
  if (entries.length > 0)
    throw new HomeError(`${home} is not empty and holds no grid home; refusing to use it`);
}

export interface HomeNode {
  readonly entry: NodeEntry;
  /** Absolute folder of the node. */
  readonly path: string;
  readonly node: StorageNode;
  /** Why the node could not be opened; undefined when it is available. */
  readonly unavailable: string | undefined;
}

/** An opened home: its settings and every node, ready to make a Grid. Close it when done. */
export class OpenHome {
  private gridInstance: Grid | undefined;
  private secret: Uint8Array | undefined;

  constructor(
    readonly dir: string,
    readonly config: HomeConfig,
    private nodeList: readonly HomeNode[],
    private readonly warn: Warn,
  ) {}

  get nodes(): readonly HomeNode[] {
    return this.nodeList;
  }

  /**
   * Opens a node just added to grid.json (addLocalNode) and lets the running grid use it, so a
   * node added while the server runs takes shares at once.
   */
  async attach(entry: NodeEntry): Promise<HomeNode> {
    const node = await openNode(this.dir, entry);
    this.nodeList = [...this.nodeList, node];
    this.gridInstance?.addNode(node.node);
    return node;
  }

  get encoding(): GridEncoding {
    return this.config.encoding;
  }

  /** The grid over this home's nodes (made on first use; its worker threads stop at close). */
  grid(): Grid {
    this.gridInstance ??= new Grid({ nodes: this.nodes.map((n) => n.node), encoding: this.config.encoding });
    return this.gridInstance;
  }

  async convergenceSecret(): Promise<Uint8Array> {
    this.secret ??= await readConvergenceSecret(this.dir, this.warn);
    return this.secret;
  }

  /** Where a node id lives, for messages people read. */
  describeNode(nodeId: string): string {
    const found = this.nodes.find((n) => n.entry.id === nodeId);
    return found === undefined ? nodeId : `${nodeId} (${found.path})`;
  }

  async close(): Promise<void> {
    const grid = this.gridInstance;
    this.gridInstance = undefined;
    this.secret?.fill(0);
    const results = await Promise.allSettled([grid?.close(), ...this.nodes.map((n) => n.node.close())]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}

/**
 * Opens a home and every node in it. A node that cannot be opened becomes an UnavailableNode
 * and costs one warning, so the grid keeps working on the others as long as it can.
 */
export async function openHome(dir: string, warn: Warn = () => undefined): Promise<OpenHome> {
  const home = resolve(dir);
  const config = await readHomeConfig(home);
  const nodes = await Promise.all(config.nodes.map((entry) => openNode(home, entry)));
  for (const node of nodes) {
    if (node.unavailable !== undefined) {
      warn(`storage node ${node.entry.id} (${node.path}) is unavailable: ${node.unavailable}`);
    }
  }
  return new OpenHome(home, config, nodes, warn);
}

async function openNode(home: string, entry: NodeEntry): Promise<HomeNode> {
  const path = nodePath(home, entry);
  const unavailable = (reason: string): HomeNode => ({
    entry,
    path,
    node: new UnavailableNode(entry.id, entry.kind, path, reason),
    unavailable: reason,
  });
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error)
    return unavailable(info.code === 'ENOENT' ? 'its folder is missing' : info.message);
  if (!info.isDirectory()) return unavailable('its path is not a folder');
  let node: LocalDirectoryNode;
  try {
    node = await LocalDirectoryNode.open(path);
  } catch (error) {
    return unavailable(nodeErrorReason(error));
  }
  if (node.id !== entry.id) {
    await node.close();
    return unavailable(`the folder holds node ${node.id}, not ${entry.id}`);
  }
  return { entry, path, node, unavailable: undefined };
}

/** A node error's message without the "storage node <id>: " prefix the messages here already give. */
export function nodeErrorReason(error: unknown): string {
  if (error instanceof StorageNodeError) {
    const prefix = `storage node ${error.nodeId}: `;
    return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Adds a local node in `dir`: a new one when the folder is empty or missing, or an existing node
 * folder adopted as is (its shares come along). Refuses a folder or node id the grid already has.
 */
export async function addLocalNode(homeDir: string, dir: string): Promise<NodeEntry> {
  const home = resolve(homeDir);
  const config = await readHomeConfig(home);
  const path = resolve(dir);
  const same = config.nodes.find((entry) => nodePath(home, entry) === path);
  if (same !== undefined) throw new HomeError(`${path} is already storage node ${same.id} of this grid`);
  const isNode = await stat(join(path, 'node.json')).then(
    () => true,
    () => false,
  );
  let node: LocalDirectoryNode;
  try {
    node = isNode ? await LocalDirectoryNode.open(path) : await LocalDirectoryNode.create(path);
  } catch (error) {
    throw new HomeError(`cannot use ${path} as a storage node: ${nodeErrorReason(error)}`, { cause: error });
  }
  try {
    const twin = config.nodes.find((entry) => entry.id === node.id);
    if (twin !== undefined) {
      throw new HomeError(
        `${path} holds node ${node.id}, which this grid already has at ${nodePath(home, twin)}`,
      );
    }
    const entry: NodeEntry = { id: node.id, kind: 'local', path: storedPath(home, path) };
    await writeHomeConfig(home, { ...config, nodes: [...config.nodes, entry] });
    return entry;
  } finally {
    await node.close();
  }
}

/** Inside the home: relative, so the home can move as a whole. Elsewhere: absolute. */
function storedPath(home: string, path: string): string {
  const inside = relative(home, path);
  return inside !== '' && !inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside)
    ? inside
    : path;
}
