#!/usr/bin/env bash
# Builds the Node-API addon (native/*.c: flock(2) and sha256) into dist/ctk-native.node with gcc and the
# headers of the `node-api-headers` npm package (no header download). Without gcc it says so and builds
# nothing: the CLI then locks through flock(1) and hashes in JavaScript.
set -euo pipefail
cd "$(dirname "$0")/.."
headers=node_modules/node-api-headers/include
if ! command -v gcc >/dev/null 2>&1 || [ ! -f "$headers/node_api.h" ]; then
  echo "build-native: gcc or $headers missing; dist/ctk-native.node not built (flock(1) and JavaScript are used instead)" >&2
  exit 0
fi
mkdir -p dist
rm -f dist/ctk-flock.node # the addon's name before it also hashed
# Node-API symbols are resolved by the node binary that loads the addon.
gcc -O2 -Wall -Wextra -Werror -fPIC -shared -I"$headers" -o dist/ctk-native.node.tmp native/*.c
mv dist/ctk-native.node.tmp dist/ctk-native.node
