/**
 * Writes the safetensors fixtures under test/fixtures/safetensors/ and the
 * Hugging Face cache folder of the integration workspace: real-format files
 * (8-byte little-endian header length, JSON header padded with spaces to 8
 * bytes, then the tensor data) of tiny models whose tensors are zeros, a
 * sharded checkpoint with its index, and broken files whose header lies.
 * Tensor names and shapes are written out here by hand from transformers'
 * module layout, not taken from the engine, so the tests compare two
 * independent accounts. Run: node --import tsx scripts/makeSafetensorsFixtures.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'test', 'fixtures', 'safetensors');
const BYTES: Record<string, number> = { BF16: 2, F16: 2, F32: 4, I32: 4, U8: 1 };

type Tensor = [name: string, dtype: string, shape: number[]];

/** A safetensors file of zero-filled tensors, as the reference writer lays it out. */
function safetensors(tensors: Tensor[], metadata: Record<string, string> = { format: 'pt' }): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, dtype, shape] of tensors) {
    const size = shape.reduce((a, b) => a * b, 1) * BYTES[dtype]!;
    header[name] = { dtype, shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([prefix, Buffer.from(json), Buffer.alloc(offset)]);
}

/** Qwen3 / Llama decoder-layer tensors (`model.layers.i.`), in bf16. */
function decoderLayer(i: number, h: number, heads: number, kv: number, d: number, inter: number, qkNorm: boolean): Tensor[] {
  const p = `model.layers.${i}.`;
  const t: Tensor[] = [
    [`${p}self_attn.q_proj.weight`, 'BF16', [heads * d, h]],
    [`${p}self_attn.k_proj.weight`, 'BF16', [kv * d, h]],
    [`${p}self_attn.v_proj.weight`, 'BF16', [kv * d, h]],
    [`${p}self_attn.o_proj.weight`, 'BF16', [h, heads * d]],
    [`${p}mlp.gate_proj.weight`, 'BF16', [inter, h]],
    [`${p}mlp.up_proj.weight`, 'BF16', [inter, h]],
    [`${p}mlp.down_proj.weight`, 'BF16', [h, inter]],
    [`${p}input_layernorm.weight`, 'BF16', [h]],
    [`${p}post_attention_layernorm.weight`, 'BF16', [h]],
  ];
  if (qkNorm) t.push([`${p}self_attn.q_norm.weight`, 'BF16', [d]], [`${p}self_attn.k_norm.weight`, 'BF16', [d]]);
  return t;
}

function write(path: string, data: string | Buffer): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
}

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

rmSync(OUT, { recursive: true, force: true });

// 1. tiny-qwen3: one file, tied embeddings (no lm_head tensor)
const qwen3 = { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8, intermediate_size: 64, vocab_size: 128, max_position_embeddings: 512, rms_norm_eps: 1e-6, tie_word_embeddings: true, torch_dtype: 'bfloat16' };
const qwen3Tensors: Tensor[] = [['model.embed_tokens.weight', 'BF16', [128, 32]], ...decoderLayer(0, 32, 4, 2, 8, 64, true), ...decoderLayer(1, 32, 4, 2, 8, 64, true), ['model.norm.weight', 'BF16', [32]]];
write(join(OUT, 'tiny-qwen3', 'config.json'), json(qwen3));
write(join(OUT, 'tiny-qwen3', 'model.safetensors'), safetensors(qwen3Tensors));

// 2. tiny-llama-sharded: two shards and their index; an untied lm_head (a head: not compared) and an old rotary buffer
const llama = { architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, vocab_size: 128, max_position_embeddings: 512, rms_norm_eps: 1e-6, tie_word_embeddings: false };
const shard1: Tensor[] = [['model.embed_tokens.weight', 'BF16', [128, 32]], ...decoderLayer(0, 32, 4, 2, 8, 64, false), ['model.layers.0.self_attn.rotary_emb.inv_freq', 'F32', [4]]];
const shard2: Tensor[] = [...decoderLayer(1, 32, 4, 2, 8, 64, false), ['model.norm.weight', 'BF16', [32]], ['lm_head.weight', 'BF16', [128, 32]]];
const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
const weightMap: Record<string, string> = {};
for (const [n] of shard1) weightMap[n] = names[0]!;
for (const [n] of shard2) weightMap[n] = names[1]!;
const sharded = join(OUT, 'tiny-llama-sharded');
write(join(sharded, 'config.json'), json(llama));
write(join(sharded, names[0]!), safetensors(shard1));
write(join(sharded, names[1]!), safetensors(shard2));
write(join(sharded, 'model.safetensors.index.json'), json({ metadata: { total_size: 0 }, weight_map: weightMap }));

// 3. mismatch: the config says 2 layers, the weights hold 3 (a config that lost a layer count)
write(join(OUT, 'mismatch', 'config.json'), json(llama));
write(join(OUT, 'mismatch', 'model.safetensors'), safetensors([...shard1.slice(0, -1), ...shard2.slice(0, -1), ...decoderLayer(2, 32, 4, 2, 8, 64, false)]));

// 4. quantized: a GPTQ 4-bit tiny llama (qweight int32 packs 8 weights; scales, qzeros and g_idx are not parameters)
const gptq: Tensor[] = [['model.embed_tokens.weight', 'F16', [128, 32]], ['model.norm.weight', 'F16', [32]]];
for (let i = 0; i < 2; i++) {
  for (const [proj, out, inn] of [['self_attn.q_proj', 32, 32], ['self_attn.k_proj', 16, 32], ['self_attn.v_proj', 16, 32], ['self_attn.o_proj', 32, 32], ['mlp.gate_proj', 64, 32], ['mlp.up_proj', 64, 32], ['mlp.down_proj', 32, 64]] as const) {
    const p = `model.layers.${i}.${proj}`;
    gptq.push([`${p}.qweight`, 'I32', [inn / 8, out]], [`${p}.qzeros`, 'I32', [1, out / 8]], [`${p}.scales`, 'F16', [1, out]], [`${p}.g_idx`, 'I32', [inn]]);
  }
  gptq.push([`model.layers.${i}.input_layernorm.weight`, 'F16', [32]], [`model.layers.${i}.post_attention_layernorm.weight`, 'F16', [32]]);
}
write(join(OUT, 'gptq', 'config.json'), json({ ...llama, torch_dtype: 'float16', quantization_config: { quant_method: 'gptq', bits: 4, group_size: 128, desc_act: false } }));
write(join(OUT, 'gptq', 'model.safetensors'), safetensors(gptq));

// 5. broken headers, each must give a one-line error
const good = safetensors([['w', 'F32', [2, 2]]]);
const lying = Buffer.from(good);
lying.writeBigUInt64LE(BigInt(good.length)); // the header "runs past the file"
write(join(OUT, 'broken', 'header-past-end.safetensors'), lying);
const notJson = Buffer.concat([Buffer.alloc(8), Buffer.from('{"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]')]);
notJson.writeBigUInt64LE(BigInt(notJson.length - 8));
write(join(OUT, 'broken', 'malformed-json.safetensors'), notJson);
write(join(OUT, 'broken', 'data-past-end.safetensors'), good.subarray(0, good.length - 4)); // last tensor cut short
write(join(OUT, 'broken', 'too-short.safetensors'), Buffer.from([1, 0, 0]));
write(
  join(OUT, 'broken', 'expected-errors.json'),
  json({
    'header-past-end.safetensors': 'safetensors header says it is',
    'malformed-json.safetensors': 'safetensors header is not valid JSON',
    'data-past-end.safetensors': 'past the file',
    'too-short.safetensors': 'shorter than the 8-byte header length',
  }),
);

// 6. the integration workspace: tiny-qwen3 in the Hugging Face hub cache layout (plain files; the real cache
//    links snapshot files to ../../blobs/<sha>, which the unit tests build in a temporary folder)
const REV = '3c6e5bd3c2c1e2f0a9d8b7c6d5e4f3a2b1c0d9e8';
const cache = join(ROOT, 'test', 'fixtures', 'workspace', 'hf-cache', 'hub', 'models--irene-tests--tiny-qwen3');
rmSync(cache, { recursive: true, force: true });
write(join(cache, 'refs', 'main'), REV);
write(join(cache, 'snapshots', REV, 'config.json'), json(qwen3));
write(join(cache, 'snapshots', REV, 'model.safetensors'), safetensors(qwen3Tensors));
console.log(`wrote ${OUT} and ${cache}`);
