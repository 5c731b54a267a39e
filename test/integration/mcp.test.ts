import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer } from '../../src/mcp/server';
import { TOOLS, type ToolContext } from '../../tools';

const READ = TOOLS.filter((x) => x.scope === 'read');

import { useTestDatabase } from '../helpers/db';
import { demoToolContext } from '../helpers/tools';

const t = useTestDatabase({ demo: true }); // Demo Co made on 2026-11-22
const TODAY = '2026-11-22';
let base: ToolContext;

async function connect(scopes: ToolContext['caller']['scopes']) {
  const server = createMcpServer({ context: () => ({ ...base, caller: { type: 'api_key', id: 'k1', scopes } }) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

beforeAll(async () => {
  const demo = { businessId: t.demoId };
  base = demoToolContext(t.db, demo.businessId, TODAY, { channel: 'mcp' });
});

describe('MCP server (real SDK client over InMemoryTransport)', () => {
  it('lists every read tool with input and output schemas and annotations', async () => {
    const client = await connect(['read']);
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual(READ.map((x) => x.name).sort());
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.annotations?.readOnlyHint).toBe(true);
      expect(tool.description!.length).toBeGreaterThan(80);
    }
    await client.close();
  });

  it('calls every tool: structuredContent plus a text rendering of the same result', async () => {
    const client = await connect(['read']);
    const inputs: Record<string, Record<string, unknown>> = {
      get_report: { kind: 'balance_sheet' },
      explain_metric: { metric: 'runway' },
    };
    for (const tool of READ) {
      const r = await client.callTool({ name: tool.name, arguments: inputs[tool.name] ?? {} });
      expect(r.isError, `${tool.name}: ${JSON.stringify(r.content)}`).toBeFalsy();
      expect(r.structuredContent).toBeDefined();
      const text = (r.content as { type: string; text: string }[])[0]!;
      expect(JSON.parse(text.text)).toEqual(r.structuredContent);
    }
    await client.close();
  });

  it('a key with write sees the write tools, marked as not read-only; they preview unless asked to apply', async () => {
    const client = await connect(['read', 'write']);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(TOOLS.length);
    const writes = tools.filter((x) => !x.annotations?.readOnlyHint);
    expect(writes.map((x) => x.name).sort()).toEqual(
      TOOLS.filter((x) => x.scope === 'write')
        .map((x) => x.name)
        .sort(),
    );
    const r = await client.callTool({ name: 'refresh_insights', arguments: {} });
    expect(r.structuredContent).toMatchObject({ applied: false });
    await client.close();
  });

  it('a failing tool is an isError result that says what went wrong, not a protocol error', async () => {
    const client = await connect(['read']);
    const r = await client.callTool({ name: 'explain_metric', arguments: { metric: 'ebitda' } });
    expect(r.isError).toBe(true);
    expect((r.content as { text: string }[])[0]!.text).toMatch(/^not_found: No metric called "ebitda"/);
    const bad = await client.callTool({ name: 'get_metrics', arguments: { periodType: 'decade' } });
    expect(bad.isError).toBe(true);
    await client.close();
  });

  it('a caller without the read scope sees no tools', async () => {
    const client = await connect([]);
    // No tools: the server does not offer the tools capability, and asking anyway is "method not found".
    expect(client.getServerCapabilities()?.tools).toBeUndefined();
    await expect(client.listTools()).rejects.toMatchObject({ code: ErrorCode.MethodNotFound });
    await client.close();
  });

  it('serves the metric definitions and latest snapshot as resources, and the task prompts', async () => {
    const client = await connect(['read']);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(['cfo://metrics/definitions', 'cfo://snapshots/latest-month']);
    const defs = await client.readResource({ uri: 'cfo://metrics/definitions' });
    expect(JSON.parse((defs.contents[0] as { text: string }).text).map((d: { name: string }) => d.name)).toContain(
      'runway',
    );
    const latest = await client.readResource({ uri: 'cfo://snapshots/latest-month' });
    expect(JSON.parse((latest.contents[0] as { text: string }).text).periods[0].start).toBe('2026-10-01');
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual([
      'board-update',
      'cash-crunch',
      'fundraising-prep',
      'monthly-review',
    ]);
    const p = await client.getPrompt({ name: 'cash-crunch' });
    expect((p.messages[0]!.content as { text: string }).text).toContain(
      'Demo Co needs to know how long its cash lasts',
    );
    await client.close();
  });
});
