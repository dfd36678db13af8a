import { existsSync } from 'node:fs';
import { AppService } from '../app/app-service.js';
import { configPath } from '../home/config.js';
import { initHome } from '../home/home.js';
import type { ListenAddress } from './listen-address.js';
import { desktopSecretBox, type DesktopSecrets, type SafeStorageLike } from './safe-storage-box.js';

export interface DesktopService {
  readonly service: AppService;
  readonly secrets: DesktopSecrets;
  /** The home did not exist and was made with `grid-sftp init`'s defaults. */
  readonly createdHome: boolean;
}

/**
 * The service behind the desktop window. A first start makes the home the way `grid-sftp init`
 * does (before any secret: init wants an empty folder), then seals secrets with the keyring.
 */
export async function openDesktopService(options: {
  readonly homeDir: string;
  readonly listen: ListenAddress;
  readonly safeStorage: SafeStorageLike;
  readonly warn: (message: string) => void;
}): Promise<DesktopService> {
  const createdHome = !existsSync(configPath(options.homeDir));
  if (createdHome) await initHome(options.homeDir);
  const secrets = await desktopSecretBox(options.homeDir, options.safeStorage, options.warn);
  const service = await AppService.open({
    homeDir: options.homeDir,
    listen: options.listen,
    secretBox: secrets.box,
  });
  return { service, secrets, createdHome };
}
