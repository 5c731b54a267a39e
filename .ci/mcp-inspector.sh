#!/usr/bin/env bash
# The official MCP inspector CLI against `cfo mcp` (stdio) and against `cfo serve`'s Streamable HTTP endpoint
# with a Bearer key: tools/list and one tools/call each, on a fresh demo.
# Pinned to 0.21.2: every release declares Node >= 22.7.5, and 0.21.2's CLI mode was checked to work on Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/cfo-mcp-ci.XXXXXX)
server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; rm -rf "$dir"; }
trap cleanup EXIT
node bin/cfo.mjs --data-dir "$dir" demo >/dev/null 2>&1
inspector() { npx -y @modelcontextprotocol/inspector@0.21.2 --cli "$@" 2>/dev/null; }
count_tools() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).tools.length))'; }

list=$(inspector node bin/cfo.mjs --data-dir "$dir" mcp --method tools/list)
count=$(printf '%s' "$list" | count_tools)
[ "$count" -ge 20 ] || { echo "inspector tools/list (stdio): expected at least 20 tools, got $count"; exit 1; }
call=$(inspector node bin/cfo.mjs --data-dir "$dir" mcp --method tools/call --tool-name get_runway)
printf '%s' "$call" | grep -q '"structuredContent"' || { echo "inspector tools/call get_runway (stdio): no structuredContent"; printf '%s\n' "$call"; exit 1; }
echo "MCP inspector (stdio): tools/list returned $count tools; tools/call get_runway returned structured content"

key=$(node bin/cfo.mjs --data-dir "$dir" keys create --scopes read --name inspector 2>/dev/null)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
LOG_LEVEL=warn node bin/cfo.mjs --data-dir "$dir" serve --port "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.3; done
http=(--transport http --header "Authorization: Bearer $key")
list=$(inspector "http://127.0.0.1:$port/mcp" "${http[@]}" --method tools/list)
count=$(printf '%s' "$list" | count_tools)
[ "$count" -ge 20 ] || { echo "inspector tools/list (HTTP): expected at least 20 tools, got $count"; exit 1; }
call=$(inspector "http://127.0.0.1:$port/mcp" "${http[@]}" --method tools/call --tool-name get_cash_position)
printf '%s' "$call" | grep -q '"structuredContent"' || { echo "inspector tools/call (HTTP): no structuredContent"; printf '%s\n' "$call"; exit 1; }
echo "MCP inspector (Streamable HTTP, Bearer key): tools/list returned $count tools; tools/call get_cash_position returned structured content"
