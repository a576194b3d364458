/**
 * Hugging Face model folders: config.json plus safetensors weights (single
 * file or shards), read header-only and checked against the tree; the hub
 * cache layout and its `org/name`; quantization_config; the dtype a
 * checkpoint declares. Fixtures: scripts/makeSafetensorsFixtures.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hfConfigImporter, declaredDtypeOf } from '../../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { hfCacheModelName, readWeightCompanions, weightFilesToRead, type FolderAccess } from '../../../../src/engine/importers/hfConfig/modelDirectory.js';
import { readWeightFiles } from '../../../../src/engine/importers/hfConfig/weightFiles.js';
import { nodeFolderAccess } from '../../../../src/shared/nodeFolderAccess.js';
import type { ImportOptions } from '../../../../src/engine/importers/importer.js';
import { walkTree } from '../../../../src/engine/tree/treeWalk.js';

const DIR = join(__dirname, '../../../fixtures/safetensors');
const opts: ImportOptions = { batchSize: 1, seqLen: 16, dtype: 'bf16' };

/** nodeFolderAccess that records every byte range read. */
function spied(dir: string): { access: FolderAccess; reads: { name: string; start: number; length: number }[] } {
  const inner = nodeFolderAccess(dir);
  const reads: { name: string; start: number; length: number }[] = [];
  return { reads, access: { ...inner, read: (name, start, length) => (reads.push({ name, start, length }), inner.read(name, start, length)) } };
}

/** The folder's tree, built as an adapter would: config bytes plus the weight companions. */
function importFolder(dir: string, options = opts) {
  const fileName = join(dir, 'config.json');
  return hfConfigImporter.parse({ fileName, bytes: readFileSync(fileName), companions: readWeightCompanions(nodeFolderAccess(dir)) }, options);
}

/** Parameters of the fixture's tensors, counted from the shapes the generator wrote (int32 qweights unpacked x 8). */
function tensorParams(dir: string, files: string[]): number {
  let n = 0;
  for (const f of files) {
    const b = readFileSync(join(dir, f));
    const header = JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString()) as Record<string, { shape: number[] }>;
    for (const [name, t] of Object.entries(header)) {
      if (name === '__metadata__' || /inv_freq|lm_head|qzeros|scales|g_idx/.test(name)) continue;
      n += t.shape.reduce((a, c) => a * c, 1) * (name.endsWith('.qweight') ? 8 : 1);
    }
  }
  return n;
}

test('a single-file folder: only the 8-byte length and the header are read; the weights match the tree', () => {
  const dir = join(DIR, 'tiny-qwen3');
  const { access, reads } = spied(dir);
  const companions = readWeightCompanions(access);
  assert.deepEqual(companions.map((c) => c.fileName), [join(dir, 'model.safetensors')]);
  const size = readFileSync(join(dir, 'model.safetensors')).length;
  const n = Number(readFileSync(join(dir, 'model.safetensors')).readBigUInt64LE(0));
  assert.deepEqual(reads, [
    { name: 'model.safetensors', start: 0, length: 8 },
    { name: 'model.safetensors', start: 0, length: 8 + n },
  ]);
  assert.ok(8 + n < size, 'the tensor data was not read');
  const tree = importFolder(dir);
  assert.equal(tree.weights?.parameters, tensorParams(dir, ['model.safetensors']));
  assert.equal(tree.weights?.parameters, tree.root.parameters);
  assert.equal(tree.weights?.dtype, 'bf16');
  assert.equal(tree.weights?.headParameters, 0); // tied: no lm_head tensor
  assert.ok(!tree.warnings.some((w) => /safetensors weights hold/.test(w)));
});

test('a sharded folder: the index and each shard header, the LM head and buffers kept out of the count', () => {
  const dir = join(DIR, 'tiny-llama-sharded');
  const { access, reads } = spied(dir);
  const companions = readWeightCompanions(access);
  assert.deepEqual(
    companions.map((c) => c.fileName.split('/').pop()),
    ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'],
  );
  for (const r of reads.filter((r) => r.name.endsWith('.safetensors'))) assert.ok(r.start === 0 && r.length < 2000, `${r.name}: read ${r.length} bytes`);
  const tree = importFolder(dir);
  assert.equal(tree.weights?.files.length, 2);
  assert.equal(tree.weights?.headParameters, 128 * 32); // lm_head.weight
  assert.equal(tree.weights?.parameters, tensorParams(dir, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']));
  assert.equal(tree.weights?.parameters, tree.root.parameters); // inv_freq is a buffer, not a parameter
  // a shard not handed over is named, and no mismatch is claimed from half the weights
  const partial = readWeightFiles(companions.slice(0, 2));
  assert.deepEqual(partial?.missing, ['model-00002-of-00002.safetensors']);
  const cfg = readFileSync(join(dir, 'config.json'));
  const t2 = hfConfigImporter.parse({ fileName: join(dir, 'config.json'), bytes: cfg, companions: companions.slice(0, 2) }, opts);
  assert.ok(t2.warnings.some((w) => /lists 1 shard\(s\) that were not read \(model-00002-of-00002\.safetensors\)/.test(w)));
  assert.ok(!t2.warnings.some((w) => /safetensors weights hold/.test(w)));
});

test('weights the config does not describe: a warning over 1 % names the tensors the tree does not account for', () => {
  const dir = join(DIR, 'mismatch');
  const tree = importFolder(dir);
  const layer = 2 * 32 * 32 + 2 * 16 * 32 + 3 * 32 * 64 + 2 * 32; // the third layer's tensors, from the generator's shapes
  const w = tree.warnings.find((x) => /safetensors weights hold/.test(x));
  assert.ok(w, tree.warnings.join('\n'));
  assert.match(w, new RegExp(`hold ${(tree.root.parameters + layer).toLocaleString('en-US')} parameters, the tree ${tree.root.parameters.toLocaleString('en-US')}`));
  assert.match(w, new RegExp(`does not account for: model\\.layers\\.2\\.\\* \\(${layer.toLocaleString('en-US')}\\)`));
  assert.doesNotMatch(w, /\n/);
  // the other way round: a tree with more than the weights names its parts without weights
  const config = JSON.parse(readFileSync(join(DIR, 'tiny-llama-sharded', 'config.json'), 'utf8')) as Record<string, unknown>;
  config['num_hidden_layers'] = 3;
  const shards = readWeightCompanions(nodeFolderAccess(join(DIR, 'tiny-llama-sharded')));
  const more = hfConfigImporter.parse({ fileName: 'x/config.json', bytes: Buffer.from(JSON.stringify(config)), companions: shards }, opts);
  assert.ok(more.warnings.some((x) => /tree parts without weights: layers\.2\.\*/.test(x)), more.warnings.join('\n'));
});

test('a GPTQ checkpoint: packed int32 weights unpacked to match the tree, weight bytes at 4 bits plus group scales', () => {
  const dir = join(DIR, 'gptq');
  const tree = importFolder(dir, { ...opts, dtype: 'fp16' });
  assert.equal(tree.weights?.parameters, tensorParams(dir, ['model.safetensors']));
  assert.equal(tree.weights?.parameters, tree.root.parameters);
  assert.ok(tree.warnings.some((w) => /quantized checkpoint \(gptq, 4-bit\)/.test(w) && /measured on unquantized models/.test(w)));
  const perWeight = 0.5 + (2 + 0.5) / 128;
  let linearWeights = 0;
  for (const { node } of walkTree(tree.root)) if (node.instanceType === 'Linear') linearWeights += node.parameters;
  assert.equal(tree.weightBytes, linearWeights * perWeight + (tree.root.parameters - linearWeights) * 2);
  // a Linear reads its packed weights: in + out activations at fp16, weights at 4 bits and their scales
  const q = [...walkTree(tree.root)].find(({ node }) => node.scope === 'root.layers.0.self_attn.q_proj')!.node;
  assert.equal(q.memBytes, (16 * 32 + 16 * 32) * 2 + 32 * 32 * perWeight);
});

test('quantization_config: bitsandbytes, fp8 blocks, MXFP4 experts only, and an unknown method', () => {
  const config = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/configs/llama.json'), 'utf8')) as Record<string, unknown>;
  const tree = (q: unknown, dtype: ImportOptions['dtype'] = 'bf16') =>
    hfConfigImporter.parse({ fileName: 'm/config.json', bytes: Buffer.from(JSON.stringify({ ...config, quantization_config: q })) }, { ...opts, dtype });
  const plain = hfConfigImporter.parse({ fileName: 'm/config.json', bytes: Buffer.from(JSON.stringify(config)) }, opts);
  const linear = [...walkTree(plain.root)].filter(({ node }) => node.instanceType === 'Linear').reduce((s, { node }) => s + node.parameters, 0);
  const rest = plain.root.parameters - linear;
  assert.equal(plain.weightBytes, plain.root.parameters * 2);
  assert.equal(tree({ quant_method: 'bitsandbytes', load_in_4bit: true }).weightBytes, linear * (0.5 + 4 / 64) + rest * 2);
  assert.equal(tree({ load_in_8bit: true }).weightBytes, linear * 1 + rest * 2);
  assert.equal(tree({ quant_method: 'fp8', weight_block_size: [128, 128] }).weightBytes, linear * (1 + 4 / 16384) + rest * 2);
  // modules_to_not_convert keeps those Linears at the compute dtype
  const skipAttn = tree({ quant_method: 'fp8', modules_to_not_convert: ['model.layers.*.self_attn'] });
  const attn = [...walkTree(plain.root)].filter(({ node }) => /self_attn\.[qkvo]_proj$/.test(node.scope)).reduce((s, { node }) => s + node.parameters, 0);
  assert.equal(skipAttn.weightBytes, (linear - attn) * 1 + attn * 2 + rest * 2);
  const unknown = tree({ quant_method: 'hqq' });
  assert.equal(unknown.weightBytes, plain.weightBytes);
  assert.ok(unknown.warnings.some((w) => /"hqq" is not one IrEne can size/.test(w)));
  // gpt-oss: MXFP4 on the experts only, attention and router left at bf16 by modules_to_not_convert
  const oss = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/configs/gpt_oss.json'), 'utf8')) as Record<string, unknown>;
  const t = hfConfigImporter.parse({ fileName: 'oss/config.json', bytes: Buffer.from(JSON.stringify(oss)) }, opts);
  let experts = 0;
  let expertBiases = 0;
  for (const { node } of walkTree(t.root)) {
    if (/\.experts\.linear\.\d+$/.test(node.scope)) {
      experts += node.parameters;
      expertBiases += /linear\.0$/.test(node.scope) ? 32 * 2 * 2880 : 32 * 2880;
    }
  }
  const expertWeights = experts - expertBiases;
  assert.equal(t.weightBytes, expertWeights * (0.5 + 1 / 32) + (t.root.parameters - expertWeights) * 2);
  assert.ok(t.warnings.some((w) => /mxfp4, 4-bit/.test(w) && /experts only/.test(w)));
});

test('the dtype a checkpoint declares: the config first, else the weights', () => {
  const dir = join(DIR, 'tiny-llama-sharded');
  const weights = readWeightFiles(readWeightCompanions(nodeFolderAccess(dir)));
  assert.equal(declaredDtypeOf({ torch_dtype: 'float32' }, weights), 'fp32');
  assert.equal(declaredDtypeOf({ dtype: 'bfloat16', torch_dtype: 'float16' }, weights), 'bf16'); // `dtype` is transformers 5's name
  assert.equal(declaredDtypeOf({}, weights), 'bf16'); // the shards hold bf16 (plus one f32 buffer)
  assert.equal(declaredDtypeOf({}), undefined);
  assert.equal(declaredDtypeOf({ torch_dtype: 'float8_e4m3fn' }), undefined);
});

test('the Hugging Face cache: snapshot files linked into blobs are followed, and the model is named org/name', () => {
  assert.equal(hfCacheModelName('/home/u/.cache/huggingface/hub/models--Qwen--Qwen3-0.6B/snapshots/abc123/config.json'), 'Qwen/Qwen3-0.6B');
  assert.equal(hfCacheModelName('C:\\Users\\u\\.cache\\huggingface\\hub\\models--gpt2\\snapshots\\e7da7f2\\config.json'), 'gpt2');
  assert.equal(hfCacheModelName('/models/Qwen3-0.6B/config.json'), undefined);
  assert.equal(hfCacheModelName('/x/models--a--b/blobs/123'), undefined);
  const root = mkdtempSync(join(tmpdir(), 'irene-hfcache-'));
  try {
    const repo = join(root, 'hub', 'models--irene-tests--tiny-qwen3');
    const rev = 'f00dfeed';
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    mkdirSync(join(repo, 'snapshots', rev), { recursive: true });
    for (const [file, blob] of [['config.json', 'aaa1'], ['model.safetensors', 'bbb2']] as const) {
      copyFileSync(join(DIR, 'tiny-qwen3', file), join(repo, 'blobs', blob));
      symlinkSync(join('..', '..', 'blobs', blob), join(repo, 'snapshots', rev, file));
    }
    writeFileSync(join(repo, 'refs-main'), rev);
    const tree = importFolder(join(repo, 'snapshots', rev));
    assert.equal(tree.modelName, 'irene-tests/tiny-qwen3');
    assert.equal(tree.weights?.parameters, tree.root.parameters);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.deepEqual(weightFilesToRead(['config.json', 'model.safetensors', 'README.md']), ['model.safetensors']);
  assert.deepEqual(weightFilesToRead(['config.json', 'pytorch_model.bin']), []);
});
