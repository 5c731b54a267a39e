/**
 * MCP over Streamable HTTP: stateless, a fresh server per request (the API key fixes business and scopes,
 * so nothing needs to live between requests), JSON responses. The HTTP layer authenticates and calls this.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createMcpServer, type McpOptions } from './server';

export async function handleMcpRequest(request: Request, opts: McpOptions): Promise<Response> {
  const server = createMcpServer(opts);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    // The response is complete (JSON mode); release the per-request server.
    void server.close();
  }
}
