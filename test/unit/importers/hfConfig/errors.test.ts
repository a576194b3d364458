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

test('unknown model_type lists the supported ones', () => {
  assert.throws(() => buildTreeFromConfig({ model_type: 'bloom' }, opts), (e: unknown) => {
    assert.ok(e instanceof UnknownModelTypeError);
    assert.equal(e.modelType, 'bloom');
    for (const t of SUPPORTED_MODEL_TYPES) assert.ok(e.message.includes(t));
    return true;
  });
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
