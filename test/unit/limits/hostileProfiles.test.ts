/**
 * Hostile profiles (issue 15, item 4): every field a prediction relies on is
 * checked by range at load, so a profile that would predict NaN, Infinity,
 * 0 J or a band of ±500 % is refused with the field's name; a prediction
 * that still comes out non-finite is an internal error, never joules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NonFinitePredictionError,
  ProfileError,
  buildTreeFromConfig,
  parseProfile,
  predictTree,
  type Profile,
} from '../../../src/engine/index.js';
import { describeFailure, EXIT_INTERNAL_ERROR } from '../../../src/cli/cliErrors.js';

const ROOT = join(__dirname, '..', '..', '..');
const BASE = JSON.parse(readFileSync(join(ROOT, 'src', 'engine', 'profiles', 'bundled', 'h100-bf16.json'), 'utf8')) as Record<string, unknown>;
const gpt2 = JSON.parse(readFileSync(join(ROOT, 'examples', 'gpt2', 'config.json'), 'utf8'));

/** The bundled profile with `edit` applied, as JSON text. */
function edited(edit: (p: Profile) => void): string {
  const p = structuredClone(BASE) as unknown as Profile;
  edit(p);
  return JSON.stringify(p);
}

test('hostile profiles are refused at load, naming the field', () => {
  const cases: [string, (p: Profile) => void, RegExp][] = [
    ['huge aggregation weight', (p) => (p.predictor.aggregation.w[0] = 1e9), /predictor\.aggregation\.w\[0\]/],
    ['tiny tau', (p) => (p.predictor.aggregation.tau = 1e-9), /predictor\.aggregation\.tau/],
    ['huge coefficient', (p) => (Object.values(p.predictor.regressions)[0]!.coef[0] = 1e300), /predictor\.regressions\..*\.coef/],
    ['floor above the ceiling', (p) => (p.hardware.idlePowerW = p.hardware.powerLimitW + 1), /hardware\.idlePowerW/],
    ['negative noise', (p) => (p.noise!.largeRelative = -0.5), /noise\.largeRelative/],
    ['negative cross-validation', (p) => (p.crossValidation.modelPct = -3), /crossValidation\.modelPct/],
    ['negative cross-validation per model', (p) => (p.crossValidation.perModel[0]!.mlPct = -3), /crossValidation\.perModel\[0\]\.mlPct/],
    ['inverted training range', (p) => (p.trainingRange['model']!.flops = [1e12, 1e9]), /trainingRange\.model\.flops.*must not exceed/],
    ['vanishing training range', (p) => (p.trainingRange['model']!.flops = [0, 1e-300]), /trainingRange\.model\.flops/],
    ['a band of ±5000 %', (p) => (p.uncertainty.levels.model.baseRelative = 50), /uncertainty\.levels\.model\.baseRelative/],
  ];
  for (const [what, edit, field] of cases) {
    assert.throws(() => parseProfile(edited(edit), 'p.json'), (e: unknown) => e instanceof ProfileError && field.test(e.message) && !e.message.includes('\n'), what);
  }
  // The bundled profile itself passes.
  assert.equal(parseProfile(JSON.stringify(BASE), 'p.json').name, BASE['name']);
});

test('a prediction that is not finite is an internal error (exit 2), never printed as joules', () => {
  const profile = parseProfile(JSON.stringify(BASE), 'p.json');
  // Past validation (an object built in code): the predictor itself must refuse to return NaN.
  profile.hardware = { ...profile.hardware, idlePowerW: Number.NaN };
  const tree = buildTreeFromConfig(gpt2, { batchSize: 1, seqLen: 16, dtype: 'bf16' });
  assert.throws(() => predictTree(tree, profile), (e: unknown) => {
    assert.ok(e instanceof NonFinitePredictionError, String(e));
    assert.match(e.message, /not a finite number \(energy NaN\)/);
    assert.equal(describeFailure(e).code, EXIT_INTERNAL_ERROR);
    return true;
  });
});
