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
import { syntheticForest, syntheticTree, TEST_HARDWARE } from '../predict/syntheticTrees.js';

function small() {
  return trainProfile(syntheticForest(), {
    name: 'synthetic',
    description: 'test profile',
    hardware: TEST_HARDWARE,
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
  assert.throws(() => parseProfile(edit((o) => delete o.hardware), 'c.json'), /field "hardware" must be an object/);
  assert.throws(() => parseProfile(edit((o) => (o.dtype = 'int8')), 'd.json'), /field "dtype" must be one of fp32, fp16, bf16/);
  assert.throws(
    () => parseProfile(edit((o) => o.predictor.aggregation.w.pop()), 'e.json'),
    (e: unknown) => e instanceof ProfileError && /field "predictor\.aggregation\.w" must have \d+ entries/.test(e.message),
  );
  assert.throws(
    () => parseProfile(edit((o) => (o.predictor.regressions['kind:linear'].coef[0] = 'x')), 'f.json'),
    /field "predictor\.regressions\.kind:linear\.coef" must be an array of finite numbers/,
  );
  assert.throws(() => parseProfile(edit((o) => (o.predictor.aggregation.tau = 0)), 'g.json'), /tau" is 0; it must lie between 1 and 100/);
});

test('profiles are validated by range: nothing that would predict NaN, Infinity, negative or runaway energies loads', () => {
  const text = serializeProfile(small());
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of parsed JSON
  const edit = (f: (o: any) => void): string => {
    const o = JSON.parse(text);
    f(o);
    return JSON.stringify(o);
  };
  const reg = (o: { predictor: { regressions: Record<string, { coef: number[] }> } }) => Object.values(o.predictor.regressions)[0]!;
  const cases: [string, (o: any) => void, RegExp][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['negative coefficient', (o) => (reg(o).coef[0] = -1), /coef\[0\]" is -1; it must lie between 0 and/],
    ['huge coefficient', (o) => (reg(o).coef[0] = 1e30), /coef\[0\]" is 1e\+30/],
    ['huge weight', (o) => (o.predictor.aggregation.w[5] = 1e9), /aggregation\.w\[5\]" is 1000000000/],
    ['negative work weight', (o) => (o.predictor.aggregation.w[0] = -0.5), /must be >= 0: it weighs a work column/],
    ['tiny tau', (o) => (o.predictor.aggregation.tau = 1e-6), /tau" is 0\.000001/],
    ['negative noise', (o) => (o.noise = { smallTokens: 10, smallRelative: -0.1, largeRelative: 0.1, note: 'x' }), /noise\.smallRelative" is -0\.1/],
    ['negative CV figure', (o) => (o.crossValidation.modelPct = -5), /crossValidation\.modelPct" is -5/],
    ['idle above the limit', (o) => (o.hardware.idlePowerW = 5000), /hardware\.idlePowerW/],
    ['faster than the datasheet', (o) => (o.predictor.timeModel.secondsPerFlop = 1e-20), /implies more than the hardware's peak/],
    ['time rates out of range', (o) => (o.predictor.timeModel.overlapExponent = 0.5), /overlapExponent" is 0\.5/],
    ['uncertainty out of range', (o) => (o.uncertainty.levels.model.baseRelative = -1), /uncertainty\.levels\.model\.baseRelative" is -1/],
  ];
  for (const [what, f, msg] of cases) assert.throws(() => parseProfile(edit(f), 'h.json'), (e: unknown) => e instanceof ProfileError && msg.test(e.message), what);
});

test('an old profile (format 2, from irene calibrate last release) gets a message that says how to get a new one', () => {
  const o = JSON.parse(serializeProfile(small()));
  o.formatVersion = 2;
  o.hardware = 'NVIDIA H100';
  assert.throws(
    () => parseProfile(JSON.stringify(o), 'mine.json'),
    (e: unknown) => e instanceof ProfileError && /mine\.json: field "formatVersion" is 2: this profile was written by an earlier IrEne/.test(e.message) && /irene train/.test(e.message),
  );
});
