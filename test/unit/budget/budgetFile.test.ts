import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import {
  BudgetFileError,
  LIMIT_FIELDS,
  SETTING_FIELDS,
  budgetJsonSchema,
  entriesForFile,
  budgetModels,
  isGlobPath,
  picomatchGlob,
  locateBudgetField,
  parseBudgetJson,
  parseBudgetPyproject,
  resolveEntry,
  validateBudget,
} from '../../../src/engine/budget/index.js';
import { budgetSchemaText } from '../../../scripts/writeBudgetSchema.js';

const ROOT = join(__dirname, '..', '..', '..');

function fails(fn: () => unknown, pattern: RegExp, field?: (string | number)[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BudgetFileError, `expected a BudgetFileError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.equal(err.message.split('\n').length, 1, 'one line');
    if (field) assert.deepEqual(err.field, field);
    return true;
  });
}

test("the issue's example budget reads, and defaults fill the gaps", () => {
  const b = parseBudgetJson(
    '{"models": [{"path": "models/bert/config.json", "batchSize": 8, "seqLen": 256, "profile": "h100-bf16", "maxEnergyJ": 3.0, "maxIncreasePct": 5}]}',
    'irene.budget.json',
  );
  assert.deepEqual(resolveEntry(b, b.entries[0]!), {
    index: 0,
    path: 'models/bert/config.json',
    batchSize: 8,
    seqLen: 256,
    profile: 'h100-bf16',
    maxEnergyJ: 3,
    maxIncreasePct: 5,
  });
  const d = parseBudgetJson('{"defaults": {"seqLen": 64, "maxIncreasePct": 2}, "models": [{"path": "./a/config.json", "seqLen": 128}, {"path": "b.onnx"}]}', 'x.json');
  assert.deepEqual(
    d.entries.map((e) => resolveEntry(d, e)).map((e) => [e.path, e.batchSize, e.seqLen, e.maxIncreasePct]),
    [
      ['a/config.json', 8, 128, 2],
      ['b.onnx', 8, 64, 2],
    ],
  );
});

test('every field rejects a value of the wrong kind, naming the field', () => {
  const wrong: Record<string, unknown> = { integer: 1.5, number: 'three' };
  for (const [key, f] of Object.entries({ ...SETTING_FIELDS, ...LIMIT_FIELDS })) {
    const bad = f.value.type === 'string' ? ('enum' in f.value ? 'fp8' : '   ') : wrong[f.value.type];
    fails(() => validateBudget({ models: [{ path: 'a.json', [key]: bad }] }, 'b.json', 'json'), new RegExp(`^b\\.json: models\\[0\\]\\.${key} must be `), ['models', 0, key]);
    fails(() => validateBudget({ defaults: { [key]: bad }, models: [{ path: 'a.json' }] }, 'b.json', 'json'), new RegExp(`defaults\\.${key} must be `), ['defaults', key]);
  }
});

test('structural problems give one line each', () => {
  const v = (x: unknown) => () => validateBudget(x, 'b.json', 'json');
  fails(v([]), /must be an object with a "models" list/);
  fails(v({}), /missing "models"/);
  fails(v({ models: {} }), /models must be a non-empty list/);
  fails(v({ models: ['a.json'] }), /models\[0\] must be an object with a "path"/);
  fails(v({ models: [{ path: 'a.json', batchsize: 8 }] }), /models\[0\]\.batchsize is not a budget field \(did you mean batchSize\?\)/, ['models', 0, 'batchsize']);
  fails(v({ models: [{ path: 'a.json', colour: 'red' }] }), /colour is not a budget field; allowed: path, name, batchSize/);
  fails(v({ model: [] }), /model is not a budget field/);
  fails(v({ models: [{ path: '../other/config.json' }] }), /must be relative to the budget file and stay inside its folder/);
  fails(v({ models: [{ path: '/abs/config.json' }] }), /must be relative/);
  fails(() => parseBudgetJson('{"models": [\n  {"path": "a",}\n]}', 'irene.budget.json'), /irene\.budget\.json: not valid JSON at line 2, column \d+ \(/);
  fails(() => parseBudgetJson('// no\n{"models": []}', 'irene.budget.json'), /not valid JSON at line 1/);
});

test('pyproject.toml: [tool.irene] with [[tool.irene.models]] tables; none is undefined', () => {
  const text = '[project]\nname = "m"\n\n[tool.irene.defaults]\nprofile = "h100-fp32"\n\n[[tool.irene.models]]\npath = "a/config.json"\nmaxEnergyJ = 2.5\n\n[[tool.irene.models]]\npath = "b/*.onnx"\nbatchSize = 0\n';
  fails(() => parseBudgetPyproject(text, 'pyproject.toml'), /^pyproject\.toml \[tool\.irene\]: models\[1\]\.batchSize must be a whole number of at least 1, got 0$/);
  const ok = parseBudgetPyproject(text.replace('batchSize = 0', 'batchSize = 2'), 'pyproject.toml')!;
  assert.deepEqual(ok.entries.map((e) => resolveEntry(ok, e)).map((e) => [e.path, e.profile, e.batchSize, e.maxEnergyJ]), [
    ['a/config.json', 'h100-fp32', 8, 2.5],
    ['b/*.onnx', 'h100-fp32', 2, undefined],
  ]);
  assert.equal(parseBudgetPyproject('[project]\nname = "m"\n', 'pyproject.toml'), undefined);
  fails(() => parseBudgetPyproject('[tool.irene\n', 'pyproject.toml'), /pyproject\.toml: not valid TOML at line 1/);
  // Positions: the entry's header and a key inside it.
  assert.equal(locateBudgetField(text, 'pyproject.toml', ['models', 1, 'batchSize'])?.line, 12);
  assert.equal(locateBudgetField(text, 'pyproject.toml', ['models', 1])?.line, 10);
  assert.equal(locateBudgetField(text, 'pyproject.toml', ['defaults', 'profile'])?.line, 4);
});

test('locateBudgetField points at a JSON key, or at its closest existing parent', () => {
  const text = '{\n  "models": [\n    {"path": "a/config.json"},\n    {\n      "path": "b.onnx",\n      "seqLen": "long"\n    }\n  ]\n}\n';
  const at = locateBudgetField(text, 'irene.budget.json', ['models', 1, 'seqLen'])!;
  assert.equal(at.line, 5);
  assert.equal(text.split('\n')[5]!.slice(at.column, at.endColumn), '"seqLen"');
  assert.equal(locateBudgetField(text, 'irene.budget.json', ['models', 0])?.line, 2);
  assert.equal(locateBudgetField(text, 'irene.budget.json', ['models', 1, 'nope'])?.line, 3, 'a key that is not there: its entry');
});

test('globs cover files relative to the budget; plain paths are taken as they are', () => {
  const b = validateBudget({ models: [{ path: 'models/*/config.json', maxIncreasePct: 1 }, { path: 'x/model.onnx' }, { path: 'none/**/*.py' }] }, 'b.json', 'json');
  const { models, emptyGlobs } = budgetModels(b, ['models/gpt2/config.json', 'models/bert/config.json', 'models/bert/extra/config.json', 'x/model.onnx'], picomatchGlob);
  assert.deepEqual(models.map((m) => [m.entry.index, m.path]), [
    [0, 'models/bert/config.json'],
    [0, 'models/gpt2/config.json'],
    [1, 'x/model.onnx'],
  ]);
  assert.deepEqual(emptyGlobs.map((e) => e.index), [2]);
  assert.deepEqual(entriesForFile(b, 'models/bert/config.json', picomatchGlob).map((e) => e.index), [0]);
  assert.deepEqual(entriesForFile(b, 'x/model.onnx', picomatchGlob).map((e) => e.index), [1]);
  assert.deepEqual(entriesForFile(b, 'models/bert/extra/config.json', picomatchGlob), []);
  for (const [p, glob] of [['a/config.json', false], ['a/*.json', true], ['**/x.onnx', true], ['m/{a,b}.py', true], ['m/[ab].py', true], ['m/x?.py', true]] as const) {
    assert.equal(isGlobPath(p), glob, p);
  }
});

test('schemas/irene.budget.schema.json is the schema of the field table (npm run schema)', () => {
  assert.equal(readFileSync(join(ROOT, 'schemas', 'irene.budget.schema.json'), 'utf8'), budgetSchemaText(), 'run npm run schema');
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(manifest.contributes.jsonValidation, [{ fileMatch: 'irene.budget.json', url: './schemas/irene.budget.schema.json' }]);
  assert.match(readFileSync(join(ROOT, '.vscodeignore'), 'utf8'), /^!schemas\/\*\.json$/m, 'the schema ships in the VSIX');
});

test('the JSON Schema and the reader accept and reject the same budgets (checked with Ajv)', () => {
  const validate = new Ajv({ strict: false }).compile(budgetJsonSchema());
  const good: unknown[] = [
    { models: [{ path: 'a/config.json' }] },
    { $schema: './schemas/irene.budget.schema.json', defaults: { batchSize: 1, dtype: 'fp16', maxIncreasePct: 0 }, models: [{ path: 'a/*.onnx', name: 'x', maxEnergyPerTokenJ: 1e-6 }] },
  ];
  const bad: unknown[] = [{}, { models: [] }, { models: [{}] }, { models: [{ path: 'a' }], extra: 1 }, { models: [{ path: 'a', seqLen: 0 }] }, { models: [{ path: 'a', maxEnergyJ: 0 }] }];
  for (const [key, f] of Object.entries({ ...SETTING_FIELDS, ...LIMIT_FIELDS })) {
    const v = f.value;
    bad.push({ models: [{ path: 'a', [key]: v.type === 'string' ? ('enum' in v ? 'fp8' : '') : v.type === 'integer' ? 2.5 : -1 }] });
    bad.push({ defaults: { [key]: true }, models: [{ path: 'a' }] });
  }
  for (const doc of good) {
    assert.equal(validate(doc), true, `schema rejects ${JSON.stringify(doc)}: ${JSON.stringify(validate.errors)}`);
    assert.doesNotThrow(() => validateBudget(doc, 'b.json', 'json'));
  }
  for (const doc of bad) {
    assert.equal(validate(doc), false, `schema accepts ${JSON.stringify(doc)}`);
    assert.throws(() => validateBudget(doc, 'b.json', 'json'), BudgetFileError, `reader accepts ${JSON.stringify(doc)}`);
  }
});
