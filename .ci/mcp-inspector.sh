#!/usr/bin/env bash
# The official MCP inspector CLI against `cfo mcp` (stdio): tools/list and one tools/call on a fresh demo.
# Pinned to 0.21.2: every release declares Node >= 22.7.5, and 0.21.2's CLI mode was checked to work on Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/cfo-mcp-ci.XXXXXX)
trap 'rm -rf "$dir"' EXIT
node bin/cfo.mjs --data-dir "$dir" demo >/dev/null 2>&1
inspect() { npx -y @modelcontextprotocol/inspector@0.21.2 --cli node bin/cfo.mjs --data-dir "$dir" mcp "$@" 2>/dev/null; }
list=$(inspect --method tools/list)
count=$(printf '%s' "$list" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).tools.length))')
[ "$count" -ge 20 ] || { echo "inspector tools/list: expected at least 20 tools, got $count"; exit 1; }
call=$(inspect --method tools/call --tool-name get_runway)
printf '%s' "$call" | grep -q '"structuredContent"' || { echo "inspector tools/call get_runway: no structuredContent"; printf '%s\n' "$call"; exit 1; }
echo "MCP inspector: tools/list returned $count tools; tools/call get_runway returned structured content"
