/**
 * `npm run evals:categorization`: the accuracy benchmark. For each set, learns from the earliest 60% of its
 * labelled bank lines (imported with their categories, as a business brings its history), categorizes the
 * rest without their labels, and compares. Prints one row per set: accuracy on all lines (a line with no
 * proposal counts as wrong), the share applied at the default threshold (coverage) and how many of those are
 * right (precision), how often the first proposal is right for the rest and for all proposals, and the share
 * with no proposal. Exits 1 when a set misses its targets.
 *
 * The sets: the generated lines (bank-lines.csv, from dataset.ts: a regression test), and every real, labelled
 * statement in real/ (a CSV with Date, Description, Amount, Category, and beside it a .md naming its source and
 * licence), held to the real-data targets. `--file` scores any labelled statement, without targets.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { createBusiness } from '../../src/db/businesses';
import { openDatabase, withBusiness } from '../../src/db/client';
import { categorize, DEFAULT_THRESHOLD } from '../../src/domain/categorize';
import { importStatement } from '../../src/integrations/csv/import';

/** The generated set's targets. */
export const TARGETS = { accuracy: 0.85, appliedAccuracy: 0.95, coverage: 0.7 } as const;
/** Real statements' targets (issue 16): applied precision and coverage, top-1 of all proposals, no proposal. */
export const REAL_TARGETS = {
  appliedAccuracy: 0.95,
  coverage: 0.5,
  proposalTop1: 0.7,
  noProposalAtMost: 0.15,
} as const;

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
    return result;
  } finally {
    await database.close();
  }
}

type Result = Awaited<ReturnType<typeof runCategorizationBenchmark>>;
interface Scored {
  name: string;
  file?: string;
  /** What it must reach, in words, and whether it did; none for a statement scored with --file. */
  check?: (r: Result) => { targets: string; passed: boolean };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The real statements in real/: each CSV must say where it comes from and under which licence. */
function realSets(): Scored[] {
  const dir = fileURLToPath(new URL('real/', import.meta.url));
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => {
      if (!existsSync(join(dir, f.replace(/\.csv$/, '.md'))))
        throw new Error(
          `evals/categorization/real/${f} has no ${f.replace(/\.csv$/, '.md')} naming its source and licence.`,
        );
      return {
        name: `${f} (real)`,
        file: join(dir, f),
        check: (r: Result) => ({
          targets: `applied precision ≥ ${pct(REAL_TARGETS.appliedAccuracy)} at coverage ≥ ${pct(REAL_TARGETS.coverage)}, top-1 of all proposals ≥ ${pct(REAL_TARGETS.proposalTop1)}, no proposal ≤ ${pct(REAL_TARGETS.noProposalAtMost)}`,
          passed:
            r.appliedAccuracy >= REAL_TARGETS.appliedAccuracy &&
            r.coverage >= REAL_TARGETS.coverage &&
            r.proposalTop1 >= REAL_TARGETS.proposalTop1 &&
            r.noProposal <= REAL_TARGETS.noProposalAtMost,
        }),
      };
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      postgres: { type: 'string' },
      file: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const sets: Scored[] = values.file
    ? [{ name: basename(values.file), file: values.file }]
    : [
        {
          name: 'generated (a regression test)',
          check: (r) => ({
            targets: `accuracy ≥ ${pct(TARGETS.accuracy)}, applied accuracy ≥ ${pct(TARGETS.appliedAccuracy)}, coverage ≥ ${pct(TARGETS.coverage)}`,
            passed:
              r.accuracy >= TARGETS.accuracy &&
              r.appliedAccuracy >= TARGETS.appliedAccuracy &&
              r.coverage >= TARGETS.coverage,
          }),
        },
        ...realSets(),
      ];
  const rows: string[] = [];
  const notes: string[] = [];
  let failed = false;
  for (const set of sets) {
    const r = await runCategorizationBenchmark({
      ...(values.postgres ? { databaseUrl: values.postgres } : {}),
      ...(set.file ? { file: set.file } : {}),
    });
    rows.push(
      `| ${set.name} | ${r.lines} | ${r.learnedFrom} | ${r.predicted} | ${pct(r.accuracy)} | ${pct(r.coverage)} | ${pct(r.appliedAccuracy)} | ${pct(r.restTop1)} | ${pct(r.proposalTop1)} | ${pct(r.noProposal)} | ${r.ms} ms |`,
    );
    const check = set.check?.(r);
    if (check) {
      notes.push(
        `${set.name}: ${check.passed ? 'meets' : 'MISSES'} its targets (${check.targets}; threshold ${r.threshold}).`,
      );
      failed ||= !check.passed;
    }
    if (values.verbose) notes.push(`${set.name}, wrong:`, ...r.wrong.map((w) => `- ${w}`));
  }
  if (!values.file && sets.length === 1)
    notes.push(
      'No real statements in evals/categorization/real/ (see its README): the generated set guards against regressions and says nothing about real statements.',
    );
  process.stdout.write(
    [
      '| Set | Lines | Learned from | Predicted | Accuracy (all) | Auto-applied (coverage) | Precision (applied) | Top-1 (the rest) | Top-1 (all proposals) | No proposal | Time |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      ...notes,
      '',
    ].join('\n'),
  );
  process.exitCode = failed ? 1 : 0;
}
