import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file.js';
import { HomeError } from './errors.js';

export const CONFIG_FILE = 'grid.json';
export const CONFIG_FORMAT = 'grid-sftp-home';
export const CONFIG_VERSION = 1;

const positiveInt = z.number().int().min(1).max(256);

const NodeEntrySchema = z.object({
  id: z.string().min(1),
  kind: z.literal('local'),
  /** Relative paths are relative to the home, so a home with its nodes inside can be moved. */
  path: z.string().min(1),
});

const ConfigSchema = z.object({
  format: z.literal(CONFIG_FORMAT),
  version: z.literal(CONFIG_VERSION),
  encoding: z.object({ k: positiveInt, happy: positiveInt, n: positiveInt }),
  nodes: z.array(NodeEntrySchema),
});

export type NodeEntry = z.infer<typeof NodeEntrySchema>;
export type HomeConfig = z.infer<typeof ConfigSchema>;

export function configPath(home: string): string {
  return join(home, CONFIG_FILE);
}

/** The absolute folder of a node entry. */
export function nodePath(home: string, entry: NodeEntry): string {
  return isAbsolute(entry.path) ? entry.path : resolve(home, entry.path);
}

export async function readHomeConfig(home: string): Promise<HomeConfig> {
  const file = configPath(home);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new HomeError(`no grid at ${home} (run \`grid-sftp init\` first, or pass --home)`);
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HomeError(`${file} is damaged: not JSON`);
  }
  // The version is looked at before the rest so that a newer home gets a clear message.
  const header = z.object({ format: z.literal(CONFIG_FORMAT), version: z.number().int() }).safeParse(json);
  if (!header.success) throw new HomeError(`${file} is not a grid-sftp home file`);
  if (header.data.version !== CONFIG_VERSION) {
    throw new HomeError(
      `${file} has version ${header.data.version}; this grid-sftp reads version ${CONFIG_VERSION}`,
    );
  }
  const parsed = ConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new HomeError(`${file} is damaged: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, ' ')}`);
  }
  const config = parsed.data;
  const ids = new Set<string>();
  for (const node of config.nodes) {
    if (ids.has(node.id)) throw new HomeError(`${file} is damaged: node id ${node.id} appears twice`);
    ids.add(node.id);
  }
  return config;
}

export async function writeHomeConfig(home: string, config: HomeConfig): Promise<void> {
  const checked = ConfigSchema.parse(config);
  await writeFileAtomic(configPath(home), `${JSON.stringify(checked, null, 2)}\n`);
}
