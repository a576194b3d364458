import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProfileError } from '../../../src/engine/errors.js';
import { predictTree } from '../../../src/engine/predict/predictor.js';
import { trainProfile } from '../../../src/engine/predict/train.js';
import {
  DEFAULT_PROFILE_NAME,
  getBundledProfile,
  listBundledProfiles,
  parseProfile,
  serializeProfile,
} from '../../../src/engine/profiles/profileStore.js';
import { syntheticForest, syntheticTree } from '../predict/syntheticTrees.js';

function small() {
  return trainProfile(syntheticForest(), {
    name: 'synthetic',
    description: 'test profile',
    hardware: 'none',
    dtype: 'fp32',
    energySource: 'a formula',
    skipCrossValidation: true,
    fit: { epochs: 50 },
  });
}

test('the four bundled profiles load, the default among them', () => {
  const names = listBundledProfiles().map((p) => p.name).sort();
  assert.deepEqual(names, ['h100-bf16', 'h100-fp32', 'irene-device-1', 'irene-device-2']);
  assert.ok(names.includes(DEFAULT_PROFILE_NAME));
  const d = getBundledProfile(DEFAULT_PROFILE_NAME);
  assert.equal(d.dtype, 'bf16');
  assert.equal(d.featureSet, 'specs');
  for (const s of listBundledProfiles()) {
    assert.ok(Number.isFinite(s.crossValidation.modelPct), `${s.name} has a model-level CV figure`);
  }
});

test('an unknown bundled name lists the available ones', () => {
  assert.throws(
    () => getBundledProfile('tpu-v9'),
    (e: unknown) => e instanceof ProfileError && e.message.includes('"tpu-v9"') && e.message.includes('irene-device-1'),
  );
});

test('serialise and parse round-trip to the same profile and the same predictions', () => {
  const p = small();
  const back = parseProfile(serializeProfile(p), 'mem.json');
  // skipCrossValidation leaves NaN figures, which JSON writes as null and the parser reads as NaN again.
  assert.deepEqual(back, p);
  const tree = syntheticTree('x', 384, 2, 4, 64);
  assert.equal(predictTree(tree, back).energyJ, predictTree(tree, p).energyJ);
});

test('invalid profiles fail with the field named', () => {
  const text = serializeProfile(small());
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of parsed JSON
  const edit = (f: (o: any) => void): string => {
    const o = JSON.parse(text);
    f(o);
    return JSON.stringify(o);
  };
  assert.throws(() => parseProfile('{not json', 'a.json'), /a\.json: not valid JSON/);
  assert.throws(() => parseProfile(edit((o) => (o.formatVersion = 99)), 'b.json'), /b\.json: field "formatVersion" is 99/);
  assert.throws(() => parseProfile(edit((o) => delete o.hardware), 'c.json'), /field "hardware" must be a non-empty string/);
  assert.throws(() => parseProfile(edit((o) => (o.dtype = 'int8')), 'd.json'), /field "dtype" must be one of fp32, fp16, bf16/);
  assert.throws(
    () => parseProfile(edit((o) => o.predictor.aggregation.w.pop()), 'e.json'),
    (e: unknown) => e instanceof ProfileError && /field "predictor\.aggregation\.w" must have \d+ entries/.test(e.message),
  );
  assert.throws(
    () => parseProfile(edit((o) => (o.predictor.regressions['kind:linear'].coef[0] = 'x')), 'f.json'),
    /field "predictor\.regressions\.kind:linear\.coef" must be an array of finite numbers/,
  );
  assert.throws(() => parseProfile(edit((o) => (o.predictor.aggregation.tau = 0)), 'g.json'), /tau" must be above 0/);
});
