/**
 * Findings of a hostile-input sweep (issue 15, 911 cases through the CLI): each
 * reproduced here at the engine, then passing. Blank-line floods, Python nested
 * past CPython's limit, quantization widths no format has, values shown as
 * `null` in messages, a graph with nothing that runs, a folder named like a
 * weight file, and a headers parse repeated per import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROFILE_NAME, IreneError, MAX_FOLDS, analyzePythonModels, buildTreeFromConfig, crossValidate, getBundledProfile, loadIreneJsonl, onnxImporter, type ImportOptions } from '../../../src/engine/index.js';
import { forEachLine } from '../../../src/engine/importers/ireneData/textLines.js';
import { bracketDepthOverflow, MAX_PYTHON_BRACKET_DEPTH } from '../../../src/engine/importers/python/bracketDepth.js';
import { hfConfigImporter } from '../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { readWeightCompanions } from '../../../src/engine/importers/hfConfig/modelDirectory.js';
import { valueText } from '../../../src/engine/valueText.js';
import { nodeFolderAccess } from '../../../src/shared/nodeFolderAccess.js';
import { encodeModel, valueInfo } from '../importers/onnx/onnxTestModels.js';

const ROOT = join(__dirname, '..', '..', '..');
const OPTS: ImportOptions = { batchSize: 1, seqLen: 16, dtype: 'bf16' };

test('data lines: blank lines cost no memory, numbering and CRLF as split(/\\r?\\n/) had them', () => {
  const seen: [string, number][] = [];
  forEachLine('a\r\n\n  \t\nb\n\u3000\nc', (line, n) => seen.push([line, n]));
  assert.deepEqual(seen, [['a', 1], ['b', 4], ['c', 6]]);
  // 20 MB of newlines once made an array of 20 million strings (578 MB); now nothing is kept.
  const flood = '\n'.repeat(20_000_000);
  const before = process.memoryUsage().heapUsed;
  let visited = 0;
  forEachLine(flood, () => visited++);
  assert.equal(visited, 0);
  assert.ok(process.memoryUsage().heapUsed - before < 64 * 2 ** 20, 'no array of lines');
  assert.deepEqual(loadIreneJsonl(Buffer.from(flood)), []);
});

test('Python nested past CPython\'s 200 brackets is not parsed (100,000 nested calls took the parser over 2 s)', () => {
  const deep = `import torch\nX = ${'f('.repeat(100_000)}1${')'.repeat(100_000)}\n`;
  const t0 = performance.now();
  const a = analyzePythonModels(deep);
  assert.ok(performance.now() - t0 < 500, `took ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(a.classes.length, 0);
  assert.match(a.syntaxErrors[0]!.message, /brackets nested more than 200 deep \(Python's own limit\)/);
  assert.deepEqual(a.syntaxErrors[0]!.range.start, { line: 1, column: 4 + 2 * MAX_PYTHON_BRACKET_DEPTH + 1 });
  // Brackets in strings and comments do not count; 200 real levels are fine.
  assert.equal(bracketDepthOverflow(`s = "${'('.repeat(500)}"  # ${'['.repeat(500)}\nt = '''${'{'.repeat(500)}'''`), -1);
  assert.equal(bracketDepthOverflow(`${'('.repeat(200)}${')'.repeat(200)}`), -1);
  assert.equal(bracketDepthOverflow(`${'('.repeat(201)}`), 200);
});

test('quantization widths outside 1-16 bits are said and the format default used (1e9 bits made a 1.1B model 16 MJ)', () => {
  const config = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'configs', 'llama.json'), 'utf8')) as Record<string, unknown>;
  const tree = (bits: unknown) => hfConfigImporter.parse({ fileName: 'm/config.json', bytes: Buffer.from(JSON.stringify({ ...config, quantization_config: { quant_method: 'gptq', bits, group_size: 128 } })) }, OPTS);
  const four = tree(4);
  for (const bad of [1e9, 0, -4, 2.5, '4']) {
    const t = tree(bad);
    assert.equal(t.weightBytes, four.weightBytes, String(bad));
    assert.ok(t.warnings.some((w) => /quantization_config "bits" is .*, not a whole number of bits from 1 to 16; 4-bit assumed/.test(w)), String(bad));
  }
  assert.ok(tree(8).weightBytes! > four.weightBytes!);
  // GPTQ's group_size -1 (per channel) has no per-group scales.
  const perChannel = hfConfigImporter.parse({ fileName: 'm/config.json', bytes: Buffer.from(JSON.stringify({ ...config, quantization_config: { quant_method: 'gptq', bits: 4, group_size: -1 } })) }, OPTS);
  assert.ok(perChannel.weightBytes! < four.weightBytes!);
});

test('values in messages are shown as written: Infinity, not null; long ones cut', () => {
  assert.equal(valueText(Infinity), 'Infinity');
  assert.equal(valueText(undefined), 'undefined');
  assert.equal(valueText('gelu'), '"gelu"');
  assert.equal(valueText('x'.repeat(1000)).length, 80);
  const gpt2 = JSON.parse(readFileSync(join(ROOT, 'examples', 'gpt2', 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.throws(() => buildTreeFromConfig({ ...gpt2, n_embd: JSON.parse('1e400') }, OPTS), /"n_embd" .*got Infinity/);
});

test('an ONNX graph with no operator that runs is one line, not the energy of an empty forward pass', () => {
  for (const node of [[], [{ opType: 'Constant', input: [], output: ['c'], attribute: [{ name: 'value', type: 4, t: { dims: [1], dataType: 7, int64Data: [1] } }] }]]) {
    const bytes = encodeModel({ name: 'empty', input: [valueInfo('x', [1, 8])], output: [valueInfo('c', [1])], node });
    assert.throws(
      () => onnxImporter.parse({ fileName: 'empty.onnx', bytes }, OPTS),
      (e: unknown) => e instanceof IreneError && /empty\.onnx: the graph has no operator that runs/.test(e.message),
    );
  }
});

test('a folder named like a weight file is refused with its path (it said "irene: : is a folder")', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irene-stdir-'));
  try {
    writeFileSync(join(dir, 'config.json'), readFileSync(join(ROOT, 'examples', 'gpt2', 'config.json')));
    mkdirSync(join(dir, 'model.safetensors'));
    assert.throws(() => readWeightCompanions(nodeFolderAccess(dir)), (e: unknown) => e instanceof IreneError && e.message === `${join(dir, 'model.safetensors')}: not a regular file`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a config\'s unknown _attn_implementation or dtype is named in a warning (a prototype key included), not ignored', () => {
  const llama = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'configs', 'llama.json'), 'utf8')) as Record<string, unknown>;
  for (const value of ['flash_attention_9', 'constructor']) {
    const t = buildTreeFromConfig({ ...llama, _attn_implementation: value }, { ...OPTS, phase: 'prefill' });
    assert.equal(t.attention, 'sdpa');
    assert.ok(t.warnings.some((w) => w.includes(`_attn_implementation "${value}" is not one IrEne knows`)), t.warnings.join('\n'));
  }
  for (const value of ['int3', 'float64', { x: 1 }]) {
    const t = buildTreeFromConfig({ ...llama, torch_dtype: value }, OPTS);
    assert.ok(t.warnings.some((w) => /"torch_dtype" is .*, not a dtype IrEne predicts for .*: the settings' bf16 is used/.test(w)), String(value));
  }
  assert.ok(!buildTreeFromConfig({ ...llama, torch_dtype: 'bfloat16' }, OPTS).warnings.some((w) => w.includes('torch_dtype')));
});

test('a rotary fraction above 1 is refused (partial_rotary_factor 5 rotated five heads\' width of each head)', () => {
  const phi3 = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'configs', 'phi3.json'), 'utf8')) as Record<string, unknown>;
  assert.throws(() => buildTreeFromConfig({ ...phi3, partial_rotary_factor: 5 }, OPTS), /"partial_rotary_factor" must be a fraction from 0 to 1, got 5/);
  assert.ok(buildTreeFromConfig({ ...phi3, partial_rotary_factor: 0.5 }, OPTS).root.flops > 0);
});

test('layer_types values other than sliding_attention and full_attention are named in a warning', () => {
  const gemma3 = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'configs', 'gemma3_text.json'), 'utf8')) as Record<string, unknown>;
  const layers = gemma3['num_hidden_layers'] as number;
  const t = buildTreeFromConfig({ ...gemma3, layer_types: Array.from({ length: layers }, () => 'weird') }, OPTS);
  assert.ok(t.warnings.some((w) => w.includes('"layer_types" holds "weird", not sliding_attention or full_attention')), t.warnings.join('\n'));
});

test('cross-validation fits at most 20 folds: past 20 models, several are left out at once, never scored by a fit that saw them', () => {
  const line = readFileSync(join(ROOT, 'test', 'fixtures', 'ireneData', 'trees.jsonl'), 'utf8').split('\n').find((l) => l.includes('"model_name"'))!;
  const base = loadIreneJsonl(Buffer.from(line))[0]!;
  // 25 copies of one tree under 25 model names: every fold leaves out 1 or 2 of them.
  const trees = Array.from({ length: 25 }, (_, i) => ({ ...base, modelName: `m${i}` }));
  const seen: string[] = [];
  const result = crossValidate(trees, {
    featureSet: 'specs',
    epochs: 20,
    setting: { hardware: getBundledProfile(DEFAULT_PROFILE_NAME).hardware },
    onProgress: (_, label) => {
      if (!seen.includes(label)) seen.push(label);
    },
  });
  assert.equal(MAX_FOLDS, 20);
  assert.deepEqual(result.perModel.map((r) => r.model), trees.map((t) => t.modelName), 'one row per model, in order');
  assert.equal(seen.filter((l) => l.startsWith('leaving out')).length, 20, seen.join('\n'));
  assert.ok(seen.includes('leaving out 2 models (m0, ...)'));
});
