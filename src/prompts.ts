/**
 * Prompts are Markdown files in prompts/ with {{slot}} placeholders. One loader, used by the agent, the
 * MCP prompts and the evals: it fails on a missing file, a missing value, or a slot left unfilled.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from './errors';

const DIR = fileURLToPath(new URL('../prompts/', import.meta.url));
const NAME = /^[a-z0-9-]+$/;
/** Read once per process: every chat turn fills the system prompt, and the files do not change under it. */
const files = new Map<string, string>();

export function loadPrompt(name: string, values: Record<string, string> = {}): string {
  if (!NAME.test(name)) throw new NotFoundError(`No prompt called "${name}".`);
  let text = files.get(name);
  if (text === undefined) {
    try {
      text = readFileSync(`${DIR}${name}.md`, 'utf8');
    } catch {
      throw new NotFoundError(`No prompt called "${name}" (prompts/${name}.md).`);
    }
    files.set(name, text);
  }
  const filled = text.replace(/\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g, (_m, slot: string) => {
    const v = values[slot];
    if (v === undefined) throw new Error(`prompts/${name}.md: no value for {{${slot}}}`);
    return v;
  });
  return filled;
}

/** Task prompts offered to MCP clients: file name, title, description. */
export const TASK_PROMPTS = [
  {
    name: 'monthly-review',
    title: 'Monthly review',
    description: 'Review last month: results, cash, what changed and what to do.',
  },
  { name: 'board-update', title: 'Board update', description: 'Draft a short board update from the latest figures.' },
  {
    name: 'fundraising-prep',
    title: 'Fundraising prep',
    description: 'How investable the business looks and what to fix before raising.',
  },
  {
    name: 'cash-crunch',
    title: 'Cash crunch',
    description: 'How long the cash lasts and the fastest ways to extend it.',
  },
] as const;
