/** Every way a config or a setting can be wrong gives a typed error that names the problem. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildTreeFromConfig, hfConfigImporter } from '../../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { SUPPORTED_MODEL_TYPES } from '../../../../src/engine/architectures/index.js';
import {
  AbortedError,
  InvalidInputError,
  IreneError,
  MalformedFileError,
  MissingFieldError,
  UnknownModelTypeError,
} from '../../../../src/engine/errors.js';
import type { ImportOptions } from '../../../../src/engine/importers/importer.js';

const brokenDir = join(__dirname, '../../../fixtures/configs/broken/');
const configsDir = join(__dirname, '../../../fixtures/configs/');
const opts: ImportOptions = { batchSize: 1, seqLen: 16, dtype: 'fp32' };

test('each broken fixture gives the expected error code and message', () => {
  const expected = JSON.parse(readFileSync(`${brokenDir}expected-errors.json`, 'utf8')) as Record<string, { code: string; message: string }>;
  const files = readdirSync(brokenDir).filter((f) => f.endsWith('.json') && f !== 'expected-errors.json');
  assert.deepEqual(files.sort(), Object.keys(expected).sort());
  for (const file of files) {
    const bytes = readFileSync(`${brokenDir}${file}`);
    assert.throws(
      () => hfConfigImporter.parse({ fileName: file, bytes }, opts),
      (e: unknown) => {
        assert.ok(e instanceof IreneError, `${file}: not an IreneError: ${String(e)}`);
        assert.equal(e.code, expected[file]!.code, `${file}: ${e.message}`);
        assert.ok(e.message.includes(expected[file]!.message), `${file}: "${e.message}" lacks "${expected[file]!.message}"`);
        return true;
      },
    );
  }
});

test('unknown model_type: one line naming the type, the architecture its fields resemble, the way out, and the supported ones', () => {
  assert.throws(() => buildTreeFromConfig({ model_type: 'mamba', d_model: 768, n_layer: 24 }, opts), (e: unknown) => {
    assert.ok(e instanceof UnknownModelTypeError);
    assert.equal(e.modelType, 'mamba');
    assert.equal(e.resembles, undefined);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, /resemble no supported architecture/);
    assert.match(e.message, /ONNX export/);
    assert.match(e.message, /modeling_mamba\.py as PyTorch source/);
    for (const t of SUPPORTED_MODEL_TYPES) assert.ok(e.message.includes(t));
    return true;
  });
  // fields of another family are named: an encoder-decoder (t5's keys), a MoE (mixtral's), a BERT-like encoder
  const cases: [Record<string, unknown>, string][] = [
    [{ model_type: 'longt5', d_model: 512, d_kv: 64, d_ff: 2048, num_heads: 8, num_layers: 6, relative_attention_num_buckets: 32 }, 't5'],
    [{ model_type: 'phimoe', hidden_size: 4096, num_local_experts: 16, num_experts_per_tok: 2, num_key_value_heads: 8, rms_norm_eps: 1e-5 }, 'mixtral'],
    [{ model_type: 'xlm', hidden_size: 1024, type_vocab_size: 1, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 }, 'bert'],
  ];
  for (const [config, like] of cases) {
    assert.throws(() => buildTreeFromConfig(config, opts), (e: unknown) => e instanceof UnknownModelTypeError && e.resembles?.modelType === like && e.message.includes(`resemble ${like},`), String(config['model_type']));
  }
});

/** Required size fields per architecture, as named in that architecture's config. */
const REQUIRED: Record<string, string[]> = {
  bert: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  roberta: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  electra: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  albert: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  distilbert: ['vocab_size', 'dim', 'n_layers', 'n_heads', 'hidden_dim'],
  gpt2: ['vocab_size', 'n_embd', 'n_layer', 'n_head'],
  'openai-gpt': ['vocab_size', 'n_embd', 'n_layer', 'n_head'],
  llama: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  mistral: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  qwen2: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  gemma: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  gemma2: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  gemma3_text: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  phi3: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  qwen3: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  gpt_neox: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  phi: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  starcoder2: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  modernbert: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  mixtral: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  qwen2_moe: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  qwen3_moe: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  gpt_oss: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  deepseek_v3: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  'deberta-v2': ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  'xlm-roberta': ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  camembert: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'],
  falcon: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads'],
  opt: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads'],
  bloom: ['vocab_size', 'hidden_size', 'n_layer', 'n_head'],
  t5: ['vocab_size', 'd_model', 'num_heads', 'num_layers'],
  mt5: ['vocab_size', 'd_model', 'num_heads', 'num_layers'],
  umt5: ['vocab_size', 'd_model', 'num_heads', 'num_layers'],
  bart: ['vocab_size', 'd_model'],
  mbart: ['vocab_size', 'd_model'],
  marian: ['vocab_size', 'd_model'],
};

test('each missing required field is a MissingFieldError naming it', () => {
  assert.deepEqual(Object.keys(REQUIRED).sort(), [...SUPPORTED_MODEL_TYPES].sort());
  for (const [type, fields] of Object.entries(REQUIRED)) {
    const base = JSON.parse(readFileSync(`${configsDir}${type}.json`, 'utf8')) as Record<string, unknown>;
    assert.equal(base['model_type'], type);
    assert.doesNotThrow(() => buildTreeFromConfig(base, opts), type);
    for (const field of fields) {
      for (const removal of ['delete', 'null'] as const) {
        const config = { ...base };
        if (removal === 'delete') delete config[field];
        else config[field] = null;
        assert.throws(
          () => buildTreeFromConfig(config, opts),
          (e: unknown) => e instanceof MissingFieldError && e.field === field && e.message.includes(`"${field}"`) && e.message.includes(type),
          `${type} without ${field} (${removal})`,
        );
      }
    }
  }
});

test('non-positive or non-integer batch size and sequence length are rejected', () => {
  const config = JSON.parse(readFileSync(`${configsDir}bert.json`, 'utf8')) as Record<string, unknown>;
  for (const batchSize of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => buildTreeFromConfig(config, { ...opts, batchSize }), (e: unknown) => e instanceof InvalidInputError && /batch size/.test(e.message));
  }
  for (const seqLen of [0, -8]) {
    assert.throws(() => buildTreeFromConfig(config, { ...opts, seqLen }), (e: unknown) => e instanceof InvalidInputError && /sequence length/.test(e.message));
  }
});

test('a sequence longer than learned positions is an InvalidInputError naming the limit', () => {
  const cases: [string, number][] = [
    ['bert', 512],
    ['distilbert', 512],
    ['albert', 512],
    ['electra', 512],
    ['gpt2', 1024],
    ['openai-gpt', 512],
    ['roberta', 512],
  ];
  for (const [type, limit] of cases) {
    const config = JSON.parse(readFileSync(`${configsDir}${type}.json`, 'utf8')) as Record<string, unknown>;
    assert.doesNotThrow(() => buildTreeFromConfig(config, { ...opts, seqLen: limit }), type);
    assert.throws(
      () => buildTreeFromConfig(config, { ...opts, seqLen: limit + 1 }),
      (e: unknown) => e instanceof InvalidInputError && e.message.includes(String(limit + 1)) && e.message.includes(String(limit)),
      type,
    );
  }
});

test('sizes that cannot be split across heads, and unknown activations, are named', () => {
  const bert = JSON.parse(readFileSync(`${configsDir}bert.json`, 'utf8')) as Record<string, unknown>;
  assert.throws(() => buildTreeFromConfig({ ...bert, num_attention_heads: 7 }, opts), /hidden_size.*num_attention_heads/);
  assert.throws(() => buildTreeFromConfig({ ...bert, hidden_act: 'wiggle' }, opts), (e: unknown) => e instanceof MalformedFileError && /hidden_act "wiggle"/.test(e.message));
  assert.throws(() => buildTreeFromConfig({ ...bert, position_embedding_type: 'relative_key' }, opts), /position_embedding_type "relative_key"/);
  const llama = JSON.parse(readFileSync(`${configsDir}llama.json`, 'utf8')) as Record<string, unknown>;
  assert.throws(() => buildTreeFromConfig({ ...llama, num_key_value_heads: 5 }, opts), /num_key_value_heads/);
});

test('an aborted signal stops the build', () => {
  const config = JSON.parse(readFileSync(`${configsDir}bert.json`, 'utf8')) as Record<string, unknown>;
  const ac = new AbortController();
  ac.abort();
  assert.throws(() => buildTreeFromConfig(config, { ...opts, signal: ac.signal }), AbortedError);
});
