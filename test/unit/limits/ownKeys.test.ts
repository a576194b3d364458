/**
 * Prototype keys from input (issue 15, item 3): a model_type, an activation,
 * an ONNX op or dim_param, a dtype or a primitive kind named after a member of
 * Object.prototype is an unknown name like any other, never a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  IreneError,
  UnknownModelTypeError,
  buildTreeFromConfig,
  loadIreneJsonl,
  primitiveKindOf,
  importModel,
  registerBuiltinImporters,
  predictTree,
  getBundledProfile,
  DEFAULT_PROFILE_NAME,
  type ImportOptions,
} from '../../../src/engine/index.js';
import { dtypeFromName } from '../../../src/engine/importers/ireneData/loadIreneJsonl.js';
import { encodeModel, valueInfo } from '../importers/onnx/onnxTestModels.js';

const ROOT = join(__dirname, '..', '..', '..');
const OPTS: ImportOptions = { batchSize: 1, seqLen: 16, dtype: 'fp32' };
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

test('model_type named after an Object.prototype member is an unknown model type', () => {
  for (const k of PROTO_KEYS) {
    assert.throws(() => buildTreeFromConfig({ model_type: k, hidden_size: 8 }, OPTS), UnknownModelTypeError, k);
  }
});

test('an activation named after an Object.prototype member is a one-line config error', () => {
  const bert = JSON.parse(readFileSync(join(ROOT, 'examples', 'bert-base-uncased', 'config.json'), 'utf8'));
  const gpt2 = JSON.parse(readFileSync(join(ROOT, 'examples', 'gpt2', 'config.json'), 'utf8'));
  for (const k of PROTO_KEYS) {
    for (const [config, key] of [[bert, 'hidden_act'], [gpt2, 'activation_function']] as const) {
      assert.throws(() => buildTreeFromConfig({ ...config, [key]: k }, OPTS), (e: unknown) => e instanceof IreneError && e.message.includes(k), `${key}: ${k}`);
    }
  }
});

test('dtypes and primitive kinds named after Object.prototype members are unknown', () => {
  for (const k of PROTO_KEYS) {
    assert.equal(dtypeFromName(k), undefined, k);
    assert.equal(typeof primitiveKindOf(k), 'string', k);
  }
  const line = (dtype: string) =>
    JSON.stringify({ model_name: 'm', dtype, batch_size: 1, seq_len: 1, frontend_tree: { scope: 'root', type: 'model', instance_type: 'M', num_parameters: 1, flops: 1, mem_bytes: 1, calls: 1, ground_truth_energy: 1, child_nodes_obj: [] } });
  for (const k of PROTO_KEYS) {
    assert.throws(() => loadIreneJsonl(new TextEncoder().encode(line(k)), { fileName: 't.jsonl' }), (e: unknown) => e instanceof IreneError && !e.message.includes('\n'), k);
  }
});

test('ONNX ops, dim_params and node names named after Object.prototype members give a finite tree', () => {
  registerBuiltinImporters();
  const profile = getBundledProfile(DEFAULT_PROFILE_NAME);
  for (const k of PROTO_KEYS) {
    const bytes = encodeModel({
      name: k,
      input: [valueInfo('x', [k, 'sequence', 8])],
      output: [valueInfo('z', [k, 'sequence', 8])],
      node: [
        { name: k, opType: k, input: ['x'], output: ['y'] },
        { name: `${k}.relu`, opType: 'Relu', input: ['y'], output: ['z'] },
      ],
    });
    const tree = importModel({ fileName: `${k}.onnx`, bytes }, OPTS);
    assert.ok(Number.isFinite(predictTree(tree, profile).energyJ), k);
  }
});
