/**
 * Tree arithmetic of the generation phases, checked against arithmetic done
 * here from the config numbers alone (not from the tree): a decode step's
 * FLOPs, its KV cache traffic with GQA, and prefill = forward + cache writes
 * + LM head.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTreeFromConfig } from '../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { importModel } from '../../../src/engine/importers/registry.js';
import { registerBuiltinImporters } from '../../../src/engine/importers/builtinImporters.js';
import { InvalidInputError } from '../../../src/engine/errors.js';
import { kvBytesPerToken } from '../../../src/engine/generation/generationMemory.js';
import { walkTree } from '../../../src/engine/tree/treeWalk.js';
import type { AttentionImplementation, ModelNode, ModelTree } from '../../../src/engine/tree/modelNode.js';
import { estimateForwardMemory } from '../../../src/engine/hardware/deviceMemory.js';
import { fixtureConfig } from '../architectures/fixtures.js';

registerBuiltinImporters();

const leaves = (t: ModelTree): ModelNode[] => [...walkTree(t.root)].map((w) => w.node).filter((n) => n.children.length === 0);
const totalFlops = (t: ModelTree): number => leaves(t).reduce((s, n) => s + n.flops * n.calls, 0);

/** Non-embedding parameters + LM head of a config, by hand (count). */
function denseWeights(name: string, c: Record<string, number | boolean>): { weights: number; layers: number; hidden: number; kvHeads: number; headDim: number } {
  if (name === 'gpt2') {
    const H = c['n_embd'] as number;
    const L = c['n_layer'] as number;
    const I = (c['n_inner'] as number | undefined) ?? 4 * H;
    const perLayer = H * 3 * H + 3 * H + H * H + H + H * I + I + I * H + H + 4 * H;
    return { weights: L * perLayer + 2 * H + (c['vocab_size'] as number) * H, layers: L, hidden: H, kvHeads: c['n_head'] as number, headDim: H / (c['n_head'] as number) };
  }
  const H = c['hidden_size'] as number;
  const L = c['num_hidden_layers'] as number;
  const h = c['num_attention_heads'] as number;
  const kv = (c['num_key_value_heads'] as number | undefined) ?? h;
  const d = (c['head_dim'] as number | undefined) ?? H / h;
  const I = c['intermediate_size'] as number;
  // qwen2 always has q/k/v biases; llama has none here.
  const qkvBias = name === 'qwen2' ? h * d + 2 * kv * d : 0;
  const perLayer = H * h * d + 2 * H * kv * d + h * d * H + qkvBias + 3 * H * I + 2 * H;
  return { weights: L * perLayer + H + (c['vocab_size'] as number) * H, layers: L, hidden: h * d, kvHeads: kv, headDim: d };
}

for (const name of ['llama', 'gpt2', 'qwen2']) {
  for (const attention of ['eager', 'sdpa'] as AttentionImplementation[]) {
    test(`${name} (${attention}): decode FLOPs per token = 2 x (non-embedding params + LM head) + 4 x layers x hidden x context, within 1 %`, () => {
      const config = fixtureConfig(name);
      const w = denseWeights(name, config as Record<string, number>);
      for (const context of [1, 128, 1000]) {
        for (const batchSize of [1, 4]) {
          const tree = buildTreeFromConfig(config, { batchSize, seqLen: 1, dtype: 'bf16', phase: 'decode', context, attention });
          const expected = 2 * w.weights + 4 * w.layers * w.hidden * context;
          const got = totalFlops(tree) / batchSize;
          assert.ok(Math.abs(got - expected) / expected < 0.01, `${name} ctx ${context} B ${batchSize}: ${got} vs ${expected}`);
        }
      }
    });
  }
}

test('decode KV cache traffic per step is exact, GQA included: the fused kernel reads 2 x layers x KV heads x head dim x context x batch elements', () => {
  for (const name of ['llama', 'qwen2', 'gpt2']) {
    const config = fixtureConfig(name) as Record<string, number>;
    const w = denseWeights(name, config);
    const B = 3;
    const context = 700;
    const tree = buildTreeFromConfig(config, { batchSize: B, seqLen: 1, dtype: 'bf16', phase: 'decode', context, attention: 'sdpa' });
    const heads = (config['num_attention_heads'] ?? config['n_head'])!;
    const sdpa = leaves(tree).filter((n) => n.instanceType === 'scaled_dot_product_attention');
    assert.equal(sdpa.length, w.layers);
    // Each fused call reads q (B x heads x 1 x d), K and V, and writes the output (B x heads x 1 x d).
    const kvRead = sdpa.reduce((s, n) => s + n.memBytes, 0) - w.layers * 2 * B * heads * w.headDim * 2;
    assert.equal(kvRead, 2 * w.layers * w.kvHeads * w.headDim * context * B * 2);
    // The append writes one position per sequence and layer: 2 x layers x KV heads x d elements.
    const appended = leaves(tree).filter((n) => n.instanceType === 'index_copy').reduce((s, n) => s + n.memBytes / 2, 0);
    assert.equal(appended, 2 * w.layers * w.kvHeads * w.headDim * B * 2);
    assert.equal(kvBytesPerToken(tree), 2 * w.layers * w.kvHeads * w.headDim * 2);
  }
  // GQA: the llama fixture has 4 KV heads for 32 query heads, so its cache is 8x smaller than MHA's.
  const llama = fixtureConfig('llama');
  assert.equal(llama['num_key_value_heads'], 4);
});

test('prefill at P tokens = the forward tree at seq P + the KV cache writes + the LM head on the last position', () => {
  for (const name of ['llama', 'gpt2', 'qwen2', 'mistral', 'qwen3', 'gemma2']) {
    const config = fixtureConfig(name);
    const B = 2;
    const P = 96;
    const forward = buildTreeFromConfig(config, { batchSize: B, seqLen: P, dtype: 'bf16' });
    const prefill = buildTreeFromConfig(config, { batchSize: B, seqLen: P, dtype: 'bf16', phase: 'prefill', attention: 'eager' });
    const key = (n: ModelNode): string => `${n.instanceType}|${n.flops}|${n.memBytes}|${n.calls}|${JSON.stringify(n.inputShapes)}`;
    const rest = leaves(prefill).filter((n) => n.instanceType !== 'index_copy' && n.scope !== 'root.lm_head').map(key).sort();
    assert.deepEqual(rest, leaves(forward).map(key).sort(), name);
    const writes = leaves(prefill).filter((n) => n.instanceType === 'index_copy');
    const layers = (config['num_hidden_layers'] ?? config['n_layer']) as number;
    assert.equal(writes.length, 2 * layers, name);
    const head = leaves(prefill).find((n) => n.scope === 'root.lm_head')!;
    const H = (config['hidden_size'] ?? config['n_embd']) as number;
    assert.equal(head.flops, 2 * B * H * (config['vocab_size'] as number), name);
    assert.equal(totalFlops(prefill), totalFlops(forward) + head.flops);
    assert.equal(prefill.phase, 'prefill');
    assert.equal(forward.phase, undefined, 'forward trees carry no phase');
  }
});

test('sdpa runs the same FLOPs as eager but keeps no score tensor in memory', () => {
  const config = fixtureConfig('llama');
  const eager = buildTreeFromConfig(config, { batchSize: 4, seqLen: 1024, dtype: 'bf16', phase: 'prefill', attention: 'eager' });
  const sdpa = buildTreeFromConfig(config, { batchSize: 4, seqLen: 1024, dtype: 'bf16', phase: 'prefill', attention: 'sdpa' });
  assert.ok(Math.abs(totalFlops(sdpa) - totalFlops(eager)) / totalFlops(eager) < 1e-9);
  const scores = 4 * 32 * 1024 * 1024;
  assert.ok(leaves(eager).some((n) => n.inputShapes.some((s) => s.reduce((a, b) => a * b, 1) === scores)));
  assert.ok(!leaves(sdpa).some((n) => n.kind !== 'elementwise' && n.inputShapes.some((s) => s.reduce((a, b) => a * b, 1) === scores)));
  assert.ok(estimateForwardMemory(sdpa).activationBytes < estimateForwardMemory(eager).activationBytes / 4);
});

test('the attention implementation: the option, else the config, else sdpa with a note; forward stays eager', () => {
  const config = fixtureConfig('llama');
  const decode = (c: Record<string, unknown>, attention?: AttentionImplementation) =>
    buildTreeFromConfig(c, { batchSize: 1, seqLen: 1, dtype: 'bf16', phase: 'decode', context: 8, ...(attention ? { attention } : {}) });
  const assumed = decode(config);
  assert.equal(assumed.attention, 'sdpa');
  assert.ok(assumed.warnings.some((w) => w.includes('attention assumed sdpa')));
  const fromConfig = decode({ ...config, _attn_implementation: 'eager' });
  assert.equal(fromConfig.attention, 'eager');
  assert.ok(!fromConfig.warnings.some((w) => w.includes('attention assumed')));
  assert.equal(decode({ ...config, _attn_implementation: 'flash_attention_2' }).attention, 'sdpa');
  assert.equal(decode(config, 'eager').attention, 'eager');
  const forward = buildTreeFromConfig({ ...config, _attn_implementation: 'sdpa' }, { batchSize: 1, seqLen: 8, dtype: 'bf16' });
  assert.ok(leaves(forward).some((n) => n.instanceType === 'softmax'), 'a forward tree stays eager');
});

test('decode trees keep transformers names and end in lm_head; the cache holds `context` positions', () => {
  const tree = buildTreeFromConfig(fixtureConfig('llama'), { batchSize: 2, seqLen: 1, dtype: 'bf16', phase: 'decode', context: 300, attention: 'eager' });
  const scopes = new Set(leaves(tree).map((n) => n.scope));
  assert.ok(scopes.has('root.layers.3.self_attn.q_proj'));
  assert.ok(scopes.has('root.lm_head'));
  assert.equal(tree.seqLen, 1);
  assert.equal(tree.context, 300);
  const scoresProduct = leaves(tree).find((n) => n.scope === 'root.layers.0.self_attn.matmul.12')!;
  assert.deepEqual(scoresProduct.inputShapes, [
    [2, 32, 1, 64],
    [2, 32, 64, 300],
  ]);
});

test('generation phases refuse what they cannot model, with a message that says what to do', () => {
  const opts = { batchSize: 1, seqLen: 1, dtype: 'bf16' as const, phase: 'decode' as const, context: 16 };
  assert.throws(() => buildTreeFromConfig(fixtureConfig('bert'), opts), (e: unknown) => e instanceof InvalidInputError && /encoder/.test(e.message));
  assert.throws(() => buildTreeFromConfig(fixtureConfig('falcon'), opts), (e: unknown) => e instanceof InvalidInputError && /not modelled for model_type "falcon"/.test(e.message));
  assert.throws(
    () => importModel({ fileName: 'config.json', bytes: new TextEncoder().encode(JSON.stringify(fixtureConfig('llama'))) }, { ...opts, context: undefined }),
    (e: unknown) => e instanceof InvalidInputError && /context length/.test(e.message),
  );
  assert.throws(
    () => importModel({ fileName: 'model.py', bytes: new TextEncoder().encode('import torch\nclass M(torch.nn.Module):\n  pass\n') }, opts),
    (e: unknown) => e instanceof InvalidInputError && /config\.json only/.test(e.message),
  );
});

test('the extension\'s list of generative model types is the architectures that model a KV cache', async () => {
  const { GENERATIVE_MODEL_TYPES, generativeModelTypeOf } = await import('../../../src/engine/generation/generativeModelTypes.js');
  const { KV_CACHE_MODEL_TYPES } = await import('../../../src/engine/architectures/index.js');
  assert.deepEqual([...GENERATIVE_MODEL_TYPES].sort(), [...KV_CACHE_MODEL_TYPES].sort());
  assert.equal(generativeModelTypeOf(JSON.stringify(fixtureConfig('llama'))), 'llama');
  assert.equal(generativeModelTypeOf(JSON.stringify(fixtureConfig('bert'))), undefined);
  assert.equal(generativeModelTypeOf('{ not json'), undefined);
});
