#!/usr/bin/env bash
# `npm start`: installs and builds when needed, then opens the desktop app, or, when the Electron
# binary is not installed (or there is no display), says so and serves the grid headless with its
# web UI. `npm start -- ARGS` runs the CLI with ARGS instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# npm ci again only when the lockfile changed since the last install (npm keeps a copy of it), or
# when the install predates the CLI (no `npx grid-sftp` link yet).
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ||
  ! -e node_modules/.bin/grid-sftp ]]; then
  export ELECTRON_SKIP_BINARY_DOWNLOAD=1
  npm ci
fi
npm run build --silent

# Run through its shebang line, which carries the bin's V8 flags (see main/bin/grid-sftp.js).
cli=(main/bin/grid-sftp.js)
if (($# > 0)); then
  exec "${cli[@]}" "$@"
fi

# The electron package answers with its binary's path, or throws when the download was skipped.
electron_bin=$(node -e 'try { process.stdout.write(require("electron")) } catch {}' 2>/dev/null || true)
no_display=
if [[ $(uname -s) == Linux && -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
  no_display=1
fi

if [[ -n $electron_bin && -x $electron_bin && -z $no_display ]]; then
  echo "Grid SFTP: opening the desktop app (it keeps running in the tray when its window is closed)."
  exec "$electron_bin" main/dist/electron/main.js
fi

if [[ -n $electron_bin && -x $electron_bin ]]; then
  echo "Grid SFTP: no display for the desktop app, so running headless; open the UI: address below in a browser."
else
  echo "Grid SFTP: the Electron binary is not installed (npm ci without ELECTRON_SKIP_BINARY_DOWNLOAD gets it), so running headless; open the UI: address below in a browser."
fi

home=$(node --input-type=module -e '
  const { defaultHomeDir } = await import("./main/dist/home/paths.js");
  console.log(defaultHomeDir());
')
if [[ ! -f "$home/grid.json" ]]; then
  "${cli[@]}" init
fi
listen=()
if [[ -n ${GRID_SFTP_LISTEN:-} ]]; then
  listen=(--listen "$GRID_SFTP_LISTEN")
fi
exec "${cli[@]}" serve ${listen[@]+"${listen[@]}"}
