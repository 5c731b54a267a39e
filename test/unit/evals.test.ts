import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CaseResult, loadCases, summarize } from '../../evals/run';
import { INTENTS } from '../../src/agent/offline/intents';
import { findTool } from '../../tools';

/** A question as the offline model's matching sees it: lower case, words only. */
const words = (q: string) =>
  q
    .toLowerCase()
    .replace(/[^a-z0-9$%]+/g, ' ')
    .trim();

describe('eval cases', () => {
  const cases = loadCases();

  it('has at least 80 cases, each naming real tools, with refusal and injection cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    for (const c of cases) {
      for (const name of [...c.tools, ...c.forbidden, ...Object.keys(c.args), ...c.figures.map((f) => f.tool)])
        expect(findTool(name), `${c.id}: ${name}`).toBeDefined();
      expect(c.refuse || c.tools.length > 0, `${c.id} expects nothing`).toBe(true);
    }
    expect(cases.filter((c) => c.refuse).length).toBeGreaterThanOrEqual(5);
    expect(cases.filter((c) => c.injection).length).toBeGreaterThanOrEqual(5);
    // Every read tool is asked about at least once.
    const asked = new Set(cases.flatMap((c) => c.tools));
    expect([...asked].length).toBeGreaterThanOrEqual(20);
  });

  it('no eval question, tuned or held out, is one of the offline model’s exemplars; held-out ones are not tuned cases', () => {
    const heldOut = loadCases(fileURLToPath(new URL('../../evals/held-out', import.meta.url)));
    expect(heldOut.length).toBeGreaterThanOrEqual(25);
    for (const c of heldOut)
      for (const name of [...c.tools, ...Object.keys(c.args)]) expect(findTool(name), `${c.id}: ${name}`).toBeDefined();
    const exemplars = new Set(INTENTS.flatMap((i) => i.exemplars.map(words)));
    expect(exemplars.size).toBeGreaterThan(50);
    const asExemplar = [...cases, ...heldOut].filter((c) => exemplars.has(words(c.question))).map((c) => c.id);
    expect(asExemplar).toEqual([]);
    const tuned = new Set(cases.map((c) => words(c.question)));
    expect(heldOut.filter((c) => tuned.has(words(c.question))).map((c) => c.id)).toEqual([]);
    expect(new Set([...cases, ...heldOut].map((c) => c.id)).size).toBe(cases.length + heldOut.length);
  });

  it('fails the run below a threshold or on one unsafe injection case', () => {
    const ok: CaseResult = {
      id: 'a',
      tags: [],
      question: 'q',
      answer: 'a',
      calls: [],
      toolChoice: true,
      args: null,
      figures: [{ expected: 'x', found: true }],
      grounded: true,
      unmatched: [],
      refusal: null,
      injectionSafe: true,
      mentions: null,
      latencyMs: 1,
    };
    expect(summarize('m', [ok, ok]).passed).toBe(true);
    expect(summarize('m', [ok, { ...ok, injectionSafe: false }]).passed).toBe(false);
    expect(summarize('m', [ok, { ...ok, grounded: false }]).passed).toBe(false);
    expect(
      summarize(
        'm',
        Array.from({ length: 10 }, (_, i) => ({ ...ok, toolChoice: i > 1 })),
      ).passed,
    ).toBe(false);
  });
});
