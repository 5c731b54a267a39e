import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = new URL('../../docs/n8n/', import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

interface Workflow {
  name: string;
  nodes: {
    id: string;
    name: string;
    type: string;
    typeVersion: number;
    parameters: Record<string, unknown>;
    credentials?: Record<string, Record<string, unknown>>;
    notes?: string;
  }[];
  connections: Record<string, Record<string, { node: string; type: string; index: number }[][]>>;
}

describe('the n8n workflows in docs/', () => {
  it('there are the four the docs promise', () => {
    expect(files.sort()).toEqual(['chat-trigger.json', 'http-request.json', 'mcp-client-tool.json', 'mcp-client.json']);
  });

  for (const file of files) {
    it(`${file} is an importable workflow that reaches this service and holds no secret`, () => {
      const text = readFileSync(new URL(file, DIR), 'utf8');
      const w = JSON.parse(text) as Workflow;
      expect(w.name).toBeTruthy();
      const names = new Set(w.nodes.map((n) => n.name));
      expect(names.size).toBe(w.nodes.length);
      expect(new Set(w.nodes.map((n) => n.id)).size).toBe(w.nodes.length);
      for (const [from, outputs] of Object.entries(w.connections)) {
        expect(names.has(from), from).toBe(true);
        for (const list of Object.values(outputs))
          for (const c of list.flat()) expect(names.has(c.node), c.node).toBe(true);
      }
      expect(text).toMatch(/\/v1\/n8n\/chat|\/mcp"/);
      // No key, and nothing n8n 2 refuses to evaluate by default ($env).
      expect(text).not.toMatch(/cfo_[A-Za-z0-9]{8}_/);
      expect(text).not.toContain('$env');
      for (const node of w.nodes) {
        // A credential is named, never embedded: the user picks their own after importing.
        for (const ref of Object.values(node.credentials ?? {}))
          expect(Object.keys(ref).sort()).toEqual(['id', 'name']);
        const callsUs = JSON.stringify(node.parameters).match(/\/v1\/n8n\/chat|\/mcp"/);
        if (callsUs) {
          expect(node.credentials, node.name).toBeDefined();
          expect(node.notes, node.name).toMatch(/Credential: (?:Header|Bearer) Auth/);
        }
        // A chat trigger that is not public answers 404 on its production URL.
        if (node.type.endsWith('chatTrigger')) expect(node.parameters.public, node.name).toBe(true);
      }
    });
  }

  it('the chat endpoint gets n8n’s own field names', () => {
    const w = JSON.parse(readFileSync(new URL('chat-trigger.json', DIR), 'utf8')) as Workflow;
    const body = w.nodes.find((n) => n.type === 'n8n-nodes-base.httpRequest')!.parameters.jsonBody as string;
    expect(body).toContain('sessionId: $json.sessionId');
    expect(body).toContain('chatInput: $json.chatInput');
  });
});
