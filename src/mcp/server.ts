/**
 * The MCP server: the registry's tools (input and output schemas, annotations, `structuredContent` plus a
 * text rendering, `isError` results for failures), the metric definitions and latest monthly snapshot as
 * resources, and the task prompts from prompts/. Tools the caller's scopes do not allow are not listed.
 * Every call goes through `invokeTool`; this file only adapts.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { findTool, invokeTool, mayUse, TOOLS, type ToolContext } from '../../tools';
import { METRIC_DEFINITIONS } from '../domain/metrics/definitions';
import { loadPrompt, TASK_PROMPTS } from '../prompts';

export interface McpOptions {
  /** A fresh context per call (the caller, business and scopes are fixed for the server's life). */
  context: () => ToolContext | Promise<ToolContext>;
  /**
   * Given when the context is not ready at once (`cfo mcp` answers `initialize` while the embedded database
   * opens): who calls, which decides the tools listed, and the business if it is known by then.
   */
  caller?: ToolContext['caller'];
  business?: { name: string; baseCurrency: string };
  version?: string;
}

// One validator for every server: over HTTP there is a server per request, and each would otherwise build
// its own Ajv (a measured ~1.5 ms of CPU per request).
const validator = new AjvJsonSchemaValidator();

export function createMcpServer(opts: McpOptions): McpServer {
  const base = opts.caller ? null : opts.context();
  if (base instanceof Promise) throw new Error('createMcpServer: give `caller` when the context comes later');
  const caller = opts.caller ?? base!.caller;
  const business = opts.business ?? base?.business;
  const server = new McpServer(
    { name: 'cfo-agent', version: opts.version ?? '0.1.0' },
    {
      jsonSchemaValidator: validator,
      instructions: `Financial tools for ${business ? `${business.name} (amounts in ${business.baseCurrency})` : "one business's books (each result names its currency)"}. Every figure comes from the business's synced books; state the period of each figure you quote.`,
    },
  );
  const allowed = TOOLS.filter((t) => mayUse(caller, t));
  for (const tool of allowed) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args: unknown) => {
        const r = await invokeTool(tool, args, await opts.context());
        if (!r.ok)
          return { isError: true, content: [{ type: 'text' as const, text: `${r.error.code}: ${r.error.message}` }] };
        return { content: [{ type: 'text' as const, text: JSON.stringify(r.output) }], structuredContent: r.output };
      },
    );
  }

  server.registerResource(
    'metric-definitions',
    'cfo://metrics/definitions',
    {
      title: 'Metric definitions',
      description: 'How every metric is defined, with its source.',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(METRIC_DEFINITIONS) }],
    }),
  );
  if (allowed.some((t) => t.name === 'get_metrics')) {
    server.registerResource(
      'latest-monthly-snapshot',
      'cfo://snapshots/latest-month',
      {
        title: 'Latest monthly snapshot',
        description: `All metrics of ${business ? `${business.name}'s` : "the business's"} last complete month.`,
        mimeType: 'application/json',
      },
      async (uri) => {
        const r = await invokeTool(findTool('get_metrics')!, {}, await opts.context());
        const text = r.ok ? JSON.stringify(r.output) : JSON.stringify({ error: r.error });
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text }] };
      },
    );
  }

  for (const p of TASK_PROMPTS) {
    server.registerPrompt(p.name, { title: p.title, description: p.description }, async () => {
      const name = business?.name ?? (await opts.context()).business.name;
      return {
        description: p.description,
        messages: [
          {
            role: 'user' as const,
            content: { type: 'text' as const, text: loadPrompt(p.name, { business_name: name }) },
          },
        ],
      };
    });
  }
  return server;
}
