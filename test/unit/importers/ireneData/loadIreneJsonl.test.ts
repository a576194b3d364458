import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../../../src/engine/errors.js';
import {
  applyModelLevelTruth,
  ireneDataImporter,
  loadIreneJsonl,
  loadModelLevelJsonl,
} from '../../../../src/engine/importers/ireneData/index.js';

const DIR = join(__dirname, '../../../fixtures/ireneData');
const bytes = (): Uint8Array => readFileSync(join(DIR, 'trees.jsonl'));

test('reads nested trees with units, calls, shapes and dtypes', () => {
  const trees = loadIreneJsonl(bytes());
  assert.equal(trees.length, 2);
  const [a, b] = trees;
  assert.equal(a!.dtype, 'bf16');
  assert.equal(b!.dtype, 'fp32');
  assert.equal(a!.format, 'irene-jsonl');
  assert.equal(a!.batchSize, 2);
  assert.equal(a!.measuredModelEnergyJ, 2.0);
  const block = a!.root.children[0]!;
  assert.equal(block.calls, 2);
  assert.equal(block.type, 'module');
  const [conv, mm] = block.children;
  assert.equal(conv!.kind, 'linear'); // Conv1D is a Linear
  assert.equal(conv!.flops, 2000); // FLOPs as written, no MFLOP scaling
  assert.equal(conv!.parameters, 1000);
  assert.deepEqual(conv!.inputShapes, [[2, 16, 8]]);
  assert.equal(mm!.kind, 'matmul');
  // Non-tensor arguments (0.5, null) are not shapes.
  assert.deepEqual(mm!.inputShapes, [
    [2, 2, 16, 4],
    [2, 2, 4, 16],
  ]);
  assert.equal(mm!.measured?.energyJ, 0.3);
});

test('gzipped bytes read the same as plain ones', () => {
  const plain = loadIreneJsonl(bytes());
  const gz = loadIreneJsonl(gzipSync(bytes()));
  assert.deepEqual(gz, plain);
});

test('a broken line names the file and line; a bad field names the field', () => {
  const text = new TextDecoder().decode(bytes());
  const broken = new TextEncoder().encode(`${text.split('\n')[0]}\n{"model_name": "x", oops}\n`);
  assert.throws(
    () => loadIreneJsonl(broken, { fileName: 'trees.jsonl' }),
    (e: unknown) => e instanceof DataError && /trees\.jsonl: line 2 is not valid JSON/.test(e.message),
  );
  const badFlops = new TextEncoder().encode(text.replace('"flops": 500.0', '"flops": "many"'));
  assert.throws(() => loadIreneJsonl(badFlops, { fileName: 't.jsonl' }), /t\.jsonl: line 1.*root\.h\.0\.attn\.matmul\.0.*flops.*not a non-negative number/);
  const badDtype = new TextEncoder().encode(text.replace('"bfloat16", "batch', '"int7", "batch'));
  assert.throws(() => loadIreneJsonl(badDtype), /line 1, field "dtype": unknown dtype "int7"/);
});

test('model-level records replace the root energy of the matching tree only', () => {
  const trees = loadIreneJsonl(bytes());
  const recs = loadModelLevelJsonl(readFileSync(join(DIR, 'model_level.jsonl'), 'utf8'));
  assert.equal(recs.length, 1); // the meta line is skipped
  assert.deepEqual(recs[0]!.runsJ, [2.1, 2.2, 2.4]);
  const missing = applyModelLevelTruth(trees, recs);
  assert.equal(missing, 1); // the fp32 tree has no record
  assert.equal(trees[0]!.measuredModelEnergyJ, 2.2);
  assert.equal(trees[0]!.root.measured?.energyJ, 2.2);
  assert.equal(trees[1]!.measuredModelEnergyJ, 3.0);
  assert.throws(() => loadModelLevelJsonl('{"model_name": "a", "dtype": "bfloat16", "batch_size": 1, "seq_len": 0, "energy": 1}'), /line 1, field "seq_len"/);
});

test('the importer matches .jsonl and .jsonl.gz tree files and picks the requested setting', () => {
  const b = bytes();
  assert.equal(ireneDataImporter.match('trees.jsonl', b.subarray(0, 4096)), true);
  assert.equal(ireneDataImporter.match('trees.jsonl.gz', gzipSync(b).subarray(0, 4096)), true);
  assert.equal(ireneDataImporter.match('config.json', b.subarray(0, 4096)), false);
  assert.equal(ireneDataImporter.match('other.jsonl', new TextEncoder().encode('{"a": 1}')), false);
  assert.equal(ireneDataImporter.match('model_level.jsonl', readFileSync(join(DIR, 'model_level.jsonl'))), false);
  const fp32 = ireneDataImporter.parse({ fileName: 'trees.jsonl', bytes: b }, { batchSize: 2, seqLen: 16, dtype: 'fp32' });
  assert.equal(fp32.dtype, 'fp32');
  assert.deepEqual(fp32.warnings, []);
  const other = ireneDataImporter.parse({ fileName: 'trees.jsonl', bytes: b }, { batchSize: 4, seqLen: 16, dtype: 'fp32' });
  assert.equal(other.dtype, 'bf16');
  assert.match(other.warnings[0]!, /none at batch 4/);
});

test('a module shared by several parents and traced once is copied into each of them', () => {
  const leaf = (scope: string, type: string, calls: number, energy: number) => ({
    scope,
    type: 'ml',
    instance_type: type,
    flops: 10,
    mem_bytes: 10,
    calls,
    ground_truth_energy: energy,
    child_nodes_obj: [],
  });
  const mlp = (scope: string, kids: unknown[]) => ({
    scope,
    type: 'module',
    instance_type: 'MLP',
    flops: 20,
    mem_bytes: 20,
    calls: 1,
    ground_truth_energy: 1,
    child_nodes_obj: kids,
  });
  const line = JSON.stringify({
    model_name: 'shared',
    dtype: 'float32',
    batch_size: 1,
    seq_len: 8,
    frontend_tree: {
      scope: 'root',
      type: 'model',
      instance_type: 'M',
      flops: 40,
      mem_bytes: 40,
      calls: 1,
      ground_truth_energy: 3,
      child_nodes_obj: [
        mlp('root.h.0.mlp', [leaf('root.h.0.mlp.fc', 'Linear', 1, 0.5), leaf('root.h.0.mlp.act', 'NewGELUActivation', 3, 0.2)]),
        mlp('root.h.1.mlp', [leaf('root.h.1.mlp.fc', 'Linear', 1, 0.5)]),
        mlp('root.h.2.mlp', [leaf('root.h.2.mlp.fc', 'Linear', 1, 0.5)]),
      ],
    },
  });
  const [t] = loadIreneJsonl(new TextEncoder().encode(line));
  for (const i of [0, 1, 2]) {
    const m = t!.root.children[i]!;
    const act = m.children.find((c) => c.instanceType === 'NewGELUActivation');
    assert.ok(act, `h.${i}.mlp has the activation`);
    assert.equal(act.scope, `root.h.${i}.mlp.act`);
    assert.equal(act.calls, 1);
    assert.equal(act.measured?.energyJ, 0.2);
  }
  assert.match(t!.warnings[0]!, /shared by 3 MLP modules/);
});

test('a generation measurement keeps its phase, context and attention; a forward line stays as it was', () => {
  const base = {
    model_name: 'tiny-llama',
    dtype: 'bfloat16',
    batch_size: 4,
    seq_len: 1,
    attn_implementation: 'sdpa',
    frontend_tree: { scope: 'root', type: 'model', instance_type: 'LlamaForCausalLM', flops: 10, mem_bytes: 10, calls: 1, ground_truth_energy: 1, child_nodes_obj: [] },
  };
  const read = (o: object) => loadIreneJsonl(new TextEncoder().encode(JSON.stringify(o)))[0]!;
  const decode = read({ ...base, phase: 'decode', context: 2048 });
  assert.equal(decode.phase, 'decode');
  assert.equal(decode.context, 2048);
  assert.equal(decode.attention, 'sdpa');
  assert.equal(read({ ...base, phase: 'prefill', attn_implementation: 'eager' }).attention, 'eager');
  const forward = read(base);
  assert.equal(forward.phase, undefined);
  assert.equal(forward.attention, undefined);
  assert.throws(() => read({ ...base, phase: 'decode' }), (e: unknown) => e instanceof DataError && /context/.test(e.message));
  assert.throws(() => read({ ...base, phase: 'sampling' }), (e: unknown) => e instanceof DataError && /phase/.test(e.message));
});

test('context is a whole number of tokens: a prefill keeps its prompt, a forward line with context 0 is the old tree, other values are refused', () => {
  const base = {
    model_name: 'tiny-gpt2',
    dtype: 'float32',
    batch_size: 2,
    seq_len: 8,
    frontend_tree: { scope: 'root', type: 'model', instance_type: 'GPT2Model', flops: 10, mem_bytes: 10, calls: 1, ground_truth_energy: 1, child_nodes_obj: [] },
  };
  const text = (o: object) => JSON.stringify(o);
  const read = (line: string) => loadIreneJsonl(new TextEncoder().encode(line))[0]!;
  const prefill = read(text({ ...base, phase: 'prefill', context: 8 }));
  assert.equal(prefill.phase, 'prefill');
  assert.equal(prefill.context, 8);
  // The harness now writes phase and context on forward lines too: the tree is the one an old line gives.
  assert.deepEqual(read(text({ ...base, phase: 'forward', context: 0 })), read(text(base)));
  for (const bad of ['-1', '2.5', '"8"', '1e400', 'true']) {
    assert.throws(
      () => read(text({ ...base, phase: 'prefill' }).replace(/}$/, `,"context":${bad}}`)),
      (e: unknown) => e instanceof DataError && /line 1, field "context": .* is not a whole number of tokens \(0 or more\)/.test(e.message),
      bad,
    );
  }
  assert.throws(
    () => read(text({ ...base, phase: 'decode', context: 0 })),
    (e: unknown) => e instanceof DataError && /field "context": 0 is not a positive integer/.test(e.message),
    'a decode step attends over at least its own token',
  );
  assert.throws(() => read(text({ ...base, phase: 'Decode', context: 9 })), (e: unknown) => e instanceof DataError && /"Decode" is not forward, prefill, decode/.test(e.message));
});
