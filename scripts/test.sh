#!/usr/bin/env bash
# The one test command (README "Quick start", `npm test`, `.ci/run`): installs what the tests
# need, builds, lints, checks formatting and runs every test, from a fresh clone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian packages the tests need beyond Node 20: OpenSSH clients, sshfs and FUSE for the real-client
# tests, rclone, lftp and paramiko (Debian's python3) as further clients, git and sqlite3 for the
# work those tests do inside an sshfs mount.
# chromium (driven by playwright-core through executablePath: Playwright's own browser download is
# not reachable) and a font for the UI's end-to-end tests and their screenshots.
DEBIAN_PACKAGES=(openssh-client sshfs fuse3 git sqlite3 rclone lftp python3 python3-paramiko chromium fonts-dejavu-core)

missing_packages() {
  local pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || echo "$pkg"
  done
}

install_debian_packages() {
  ((${#DEBIAN_PACKAGES[@]} > 0)) || return 0
  if ! command -v dpkg >/dev/null 2>&1; then
    echo "test.sh: not a Debian system; make sure these are installed: ${DEBIAN_PACKAGES[*]}" >&2
    return 0
  fi
  local missing
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} > 0)) || return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "test.sh: the tests need these Debian packages: ${missing[*]}" >&2
    echo "test.sh: install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
}

install_debian_packages

# The Electron binary cannot be downloaded here; the tests that need it skip and say why.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci
npm run build
# The tests are TypeScript too: the build compiles the packages only.
npm run typecheck
npm run lint
npm run format:check

mkdir -p test-results
rm -f test-results/vitest.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json || status=$?

if [[ -f test-results/vitest.json ]]; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  ' test-results/vitest.json
else
  echo "tests: no results (vitest did not write test-results/vitest.json)"
fi
exit "$status"
