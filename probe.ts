import { openDatabase, withBusiness } from './src/db/client';
import { createDemoCompany } from './src/demo/load';
import { evaluateRules, loadRuleContext, runRecommendations } from './src/domain/recommendations';

const d = await openDatabase({});
const r = await createDemoCompany(d, { today: new Date('2026-11-22') });
const b = { id: r.businessId, baseCurrency: 'USD' };
const recs = await withBusiness(d.db, b.id, async (tx) => evaluateRules(await loadRuleContext(tx, b, '2026-11-22')));
for (const x of recs) console.log(`[${x.priority}] ${x.ruleId}: ${x.title} — ${x.description.slice(0, 160)}`);
console.log(await withBusiness(d.db, b.id, (tx) => runRecommendations(tx, b, '2026-11-22')));
console.log(await withBusiness(d.db, b.id, (tx) => runRecommendations(tx, b, '2026-11-22')));
await d.close();
