/**
 * `cfo mcp`: the MCP server on a pair of streams — the process's stdin/stdout, or a terminal's forwarded
 * through the running service (src/cli/local-channel.ts). Logs go to stderr; the output stream is the protocol.
 */
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer, type McpOptions } from './server';

/** Serves until the client closes the transport or its input ends, then closes the server. */
export async function serveStdio(opts: McpOptions, input: Readable, output: Writable): Promise<void> {
  const server = createMcpServer(opts);
  const transport = new StdioServerTransport(input, output);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await Promise.race([closed, new Promise<void>((resolve) => input.once('end', () => resolve()))]);
  await server.close();
}
