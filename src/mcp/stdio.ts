/** `cfo mcp`: the MCP server on stdin/stdout. Logs go to stderr; stdout is the protocol. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer, type McpOptions } from './server';

export async function serveStdio(opts: McpOptions): Promise<{ closed: Promise<void> }> {
  const server = createMcpServer(opts);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  return { closed };
}
