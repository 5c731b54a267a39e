/**
 * `npm run evals:categorization`: the accuracy benchmark. Learns from the earliest 60% of the labelled bank
 * lines (imported with their categories, as a business brings its history), categorizes the rest without
 * their labels, and compares. Prints accuracy on all lines (a line with no proposal counts as wrong), the
 * share applied at the default threshold (coverage), and the accuracy of those applied; exits 1 below the
 * targets (85% overall, 95% applied, 70% coverage).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { createBusiness } from '../../src/db/businesses';
import { openDatabase, withBusiness } from '../../src/db/client';
import { categorize, DEFAULT_THRESHOLD } from '../../src/domain/categorize';
import { importStatement } from '../../src/integrations/csv/import';

export const TARGETS = { accuracy: 0.85, appliedAccuracy: 0.95, coverage: 0.7 } as const;

interface Row {
  Date: string;
  Description: string;
  Amount: string;
  Category: string;
}

const quote = (s: string) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csv = (rows: Row[], labelled: boolean) =>
  [
    labelled ? 'Date,Description,Amount,Category' : 'Date,Description,Amount',
    ...rows.map((r) => [r.Date, quote(r.Description), r.Amount, ...(labelled ? [quote(r.Category)] : [])].join(',')),
  ].join('\n');

export async function runCategorizationBenchmark(opts: { databaseUrl?: string; file?: string } = {}) {
  // Any labelled statement with Date, Description, Amount and Category columns (ISO dates): learned from and
  // predicted in date order, so nothing is learned from a line later than the ones it predicts.
  const rows = (
    parse(readFileSync(opts.file ?? new URL('bank-lines.csv', import.meta.url), 'utf8'), { columns: true }) as Row[]
  ).sort((a, b) => (a.Date < b.Date ? -1 : a.Date > b.Date ? 1 : 0));
  const cut = Math.floor(rows.length * 0.6);
  const train = rows.slice(0, cut);
  const test = rows.slice(cut);
  const database = await openDatabase(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {});
  try {
    const business = await createBusiness(database.db, { name: `Categorization benchmark ${Date.now()}` });
    await withBusiness(database.db, business.id, (tx) =>
      importStatement(tx, business, { account: 'Checking', text: csv(train, true) }),
    );
    await withBusiness(database.db, business.id, (tx) =>
      importStatement(tx, business, { account: 'Checking', text: csv(test, false) }),
    );
    const started = performance.now();
    const r = await withBusiness(database.db, business.id, (tx) => categorize(tx, business, { limit: 100_000 }));
    const ms = performance.now() - started;
    const label = new Map(test.map((x) => [`${x.Date}|${x.Description}|${x.Amount}`, x.Category]));
    const scored = r.results.map((x) => ({
      ...x,
      truth: label.get(
        `${x.date}|${x.description}|${new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, useGrouping: false }).format(x.amount as `${number}`)}`,
      ),
    }));
    const missing = scored.filter((x) => !x.truth);
    if (missing.length)
      throw new Error(`${missing.length} results do not match a labelled line (first: ${missing[0]!.description})`);
    const right = (x: (typeof scored)[number]) => x.proposal?.category === x.truth;
    const applied = scored.filter((x) => x.action === 'apply');
    const proposed = scored.filter((x) => x.proposal);
    const rest = proposed.filter((x) => x.action !== 'apply');
    const share = (part: unknown[], of: unknown[]) => (of.length ? part.length / of.length : 0);
    const result = {
      lines: rows.length,
      learnedFrom: train.length,
      predicted: scored.length,
      accuracy: scored.filter(right).length / scored.length,
      coverage: applied.length / scored.length,
      appliedAccuracy: applied.length ? applied.filter(right).length / applied.length : 0,
      review: scored.filter((x) => x.action === 'review').length / scored.length,
      /** Of the lines not applied that have a proposal: how often its first choice is right. */
      restTop1: share(rest.filter(right), rest),
      /** Of every line with a proposal, applied or not. */
      proposalTop1: share(proposed.filter(right), proposed),
      noProposal: share(
        scored.filter((x) => !x.proposal),
        scored,
      ),
      threshold: DEFAULT_THRESHOLD,
      ms: Math.round(ms),
      wrong: scored
        .filter((x) => !right(x))
        .map(
          (x) =>
            `${x.description} → ${x.proposal?.category ?? 'nothing'} (${x.proposal?.source ?? '-'} ${x.proposal?.confidence ?? ''}), truth ${x.truth}`,
        ),
    };
    return {
      ...result,
      passed:
        result.accuracy >= TARGETS.accuracy &&
        result.appliedAccuracy >= TARGETS.appliedAccuracy &&
        result.coverage >= TARGETS.coverage,
    };
  } finally {
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      postgres: { type: 'string' },
      file: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const r = await runCategorizationBenchmark({
    ...(values.postgres ? { databaseUrl: values.postgres } : {}),
    ...(values.file ? { file: values.file } : {}),
  });
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  process.stdout.write(
    [
      '| Set | Lines | Learned from | Predicted | Accuracy (all) | Auto-applied (coverage) | Precision (applied) | Top-1 (the rest) | Top-1 (all proposals) | No proposal | Time |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| ${values.file ? values.file.split('/').at(-1) : 'generated (a regression test)'} | ${r.lines} | ${r.learnedFrom} | ${r.predicted} | ${pct(r.accuracy)} | ${pct(r.coverage)} | ${pct(r.appliedAccuracy)} | ${pct(r.restTop1)} | ${pct(r.proposalTop1)} | ${pct(r.noProposal)} | ${r.ms} ms |`,
      '',
      values.file
        ? ''
        : 'The set is generated from templates (evals/categorization/dataset.ts): it guards against regressions and says nothing about real statements.',
      `Targets: accuracy ≥ ${pct(TARGETS.accuracy)}, applied accuracy ≥ ${pct(TARGETS.appliedAccuracy)}, coverage ≥ ${pct(TARGETS.coverage)} (threshold ${r.threshold}).`,
      ...(values.verbose ? ['', ...r.wrong.map((w) => `- ${w}`)] : []),
      '',
    ].join('\n'),
  );
  process.exitCode = r.passed ? 0 : 1;
}
