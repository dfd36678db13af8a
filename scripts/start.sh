#!/usr/bin/env bash
# `npm start [-- ARGS]`: installs and builds when needed, then runs the CLI with ARGS, or says
# hello and shows where to begin.
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

cli=(node main/bin/grid-sftp.js)
if (($# > 0)); then
  exec "${cli[@]}" "$@"
fi

home=$(node --input-type=module -e '
  const { defaultHomeDir } = await import("./main/dist/home/paths.js");
  console.log(defaultHomeDir());
')
echo
echo "Grid SFTP: a private, encrypted, self-healing storage grid."
echo
if [[ -f "$home/grid.json" ]]; then
  echo "Your grid home is $home."
  echo "Try:"
  echo "  npx grid-sftp node list"
  echo "  npx grid-sftp put FILE            # prints the file's cap"
  echo "  npx grid-sftp get CAP -o FILE"
  echo "  npx grid-sftp verify CAP"
else
  echo "No grid home yet at $home (set GRID_SFTP_HOME or pass --home DIR to use another)."
  echo "Try:"
  echo "  npx grid-sftp init                # 5 local storage nodes, 3-of-5"
  echo "  npx grid-sftp put FILE            # prints the file's cap"
  echo "  npx grid-sftp get CAP -o FILE"
fi
echo
"${cli[@]}" --help
