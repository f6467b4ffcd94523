#!/usr/bin/env bash
# Builds the Node-API flock addon (native/flock.c) into dist/ctk-flock.node with gcc and the headers of the
# `node-api-headers` npm package (no header download). Without gcc it says so and builds nothing: the CLI
# then locks through flock(1).
set -euo pipefail
cd "$(dirname "$0")/.."
headers=node_modules/node-api-headers/include
if ! command -v gcc >/dev/null 2>&1 || [ ! -f "$headers/node_api.h" ]; then
  echo "build-native: gcc or $headers missing; dist/ctk-flock.node not built (flock(1) is used instead)" >&2
  exit 0
fi
mkdir -p dist
# Node-API symbols are resolved by the node binary that loads the addon.
gcc -O2 -Wall -Wextra -Werror -fPIC -shared -I"$headers" -o dist/ctk-flock.node.tmp native/flock.c
mv dist/ctk-flock.node.tmp dist/ctk-flock.node
