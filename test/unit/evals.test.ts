import { describe, expect, it } from 'vitest';
import { type CaseResult, loadCases, summarize } from '../../evals/run';
import { findTool } from '../../tools';

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
