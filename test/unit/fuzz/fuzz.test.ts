/**
 * Seeded fuzzing of JSON configs, IrEne CSV and JSONL, and profiles, bounded
 * to a fixed number of cases (and a few seconds) per kind. Every case must end
 * in finite joules or a one-line IreneError, each within 2 s. The long run is
 * `npm run fuzz` (docs/reliability.md). ONNX: test/unit/importers/onnx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUZZ_KINDS, fuzzKind } from '../../fuzz/fuzzInputs.js';

/** Cases per kind: enough to cross every hostile value with most fields, few enough for a few seconds. */
const CASES: Record<(typeof FUZZ_KINDS)[number], number> = { config: 150, csv: 1500, jsonl: 800, profile: 800 };

for (const kind of FUZZ_KINDS) {
  test(`fuzz ${kind}: ${CASES[kind]} seeded cases end in finite joules or one line, each within 2 s`, () => {
    const results = fuzzKind(kind, 20261203, 8000, CASES[kind]);
    const failed = results.filter((r) => r.outcome === 'failed');
    assert.deepEqual(
      failed.slice(0, 3).map((r) => `${r.message} <- ${r.input.slice(0, 300)}`),
      [],
      `${failed.length} of ${results.length} cases broke the rule`,
    );
    const slowest = results.reduce((a, b) => (b.ms > a.ms ? b : a));
    assert.ok(slowest.ms < 2000, `slowest case took ${slowest.ms.toFixed(0)} ms: ${slowest.input.slice(0, 300)}`);
    // Both ends are exercised: some inputs predict, some are refused.
    assert.ok(results.some((r) => r.outcome === 'predicted') && results.some((r) => r.outcome === 'refused'));
  });
}
