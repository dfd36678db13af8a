import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Environment variable naming a folder with the built UI, ahead of the usual places. */
export const UI_DIR_ENV = 'GRID_SFTP_UI_DIR';

/**
 * Where the built UI (Vite's output, `index.html` plus assets) may be, best first: an explicit
 * folder, the packaged app's resources (electron-builder copies it there), then the repository's
 * renderer/ui-dist beside main/dist/electron when run from a checkout.
 */
export function uiDirCandidates(
  electronDir: string,
  resourcesPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const explicit = env[UI_DIR_ENV];
  return [
    ...(explicit !== undefined && explicit !== '' ? [explicit] : []),
    ...(resourcesPath !== undefined ? [join(resourcesPath, 'ui')] : []),
    join(electronDir, '..', '..', '..', 'renderer', 'ui-dist'),
  ];
}

/** The UI's index.html, or an error that says where it was looked for and how to build it. */
export function findUiIndex(candidates: readonly string[]): string {
  for (const dir of candidates) {
    const index = join(dir, 'index.html');
    if (existsSync(index)) return index;
  }
  throw new Error(
    `the built UI is missing (looked for index.html in ${candidates.join(', ')}); run \`npm run build\` first`,
  );
}
