/**
 * What `transformers` gives modelling files beyond torch, as data: the
 * `PretrainedConfig` defaults a config.json never states (v4.4x-4.5x era),
 * the attribute aliases of common configs (`attribute_map`), and the library
 * objects modelling files call (caches, rope init functions, the attention
 * dispatch table). The evaluator consults these; nothing here evaluates code.
 */
import { NONE, num, tensor, type Value } from './pythonValue.js';

/** Fields of `PretrainedConfig.__init__` with their defaults (transformers 4.4x-4.5x), as JSON. */
export const PRETRAINED_CONFIG_DEFAULTS: Readonly<Record<string, unknown>> = {
  return_dict: true,
  output_hidden_states: false,
  output_attentions: false,
  torchscript: false,
  torch_dtype: null,
  use_bfloat16: false,
  tf_legacy_loss: false,
  pruned_heads: {},
  tie_word_embeddings: true,
  chunk_size_feed_forward: 0,
  is_encoder_decoder: false,
  is_decoder: false,
  cross_attention_hidden_size: null,
  add_cross_attention: false,
  tie_encoder_decoder: false,
  architectures: null,
  finetuning_task: null,
  num_labels: 2,
  tokenizer_class: null,
  prefix: null,
  bos_token_id: null,
  pad_token_id: null,
  eos_token_id: null,
  sep_token_id: null,
  decoder_start_token_id: null,
  task_specific_params: null,
  problem_type: null,
  use_cache: true,
  gradient_checkpointing: false,
  // Properties of PretrainedConfig: the implementation the profiles were measured with, and return_dict and not torchscript.
  _attn_implementation: 'eager',
  _attn_implementation_internal: null,
  use_return_dict: true,
  // Model fields that many configuration_*.py files default the same way and configs often omit.
  pretraining_tp: 1,
  mlp_bias: false,
  attention_bias: false,
  attention_dropout: 0,
  rope_scaling: null,
  partial_rotary_factor: 1,
  layer_norm_eps: 1e-5,
};

/** `attribute_map` aliases common to HF configs (GPT-2, GPT-J, BLOOM, T5 style names), used when a config does not map them itself. */
export const CONFIG_ALIASES: Readonly<Record<string, readonly string[]>> = {
  hidden_size: ['n_embd', 'd_model', 'dim', 'n_embed'],
  num_hidden_layers: ['n_layer', 'num_layers', 'n_layers'],
  num_attention_heads: ['n_head', 'num_heads', 'n_heads'],
  max_position_embeddings: ['n_positions', 'n_ctx', 'max_seq_len'],
  intermediate_size: ['n_inner', 'd_ff', 'ffn_dim'],
  n_embd: ['hidden_size'],
  n_layer: ['num_hidden_layers'],
  n_head: ['num_attention_heads'],
  n_positions: ['max_position_embeddings'],
};

/** An attribute of an HF config object: its own value, its `attribute_map` alias, a common alias, then the PretrainedConfig default. */
export function hfConfigAttr(attrs: Map<string, Value>, aliases: ReadonlyMap<string, string> | undefined, name: string, fromJson: (data: unknown, name: string) => Value): Value | undefined {
  const own = attrs.get(name);
  if (own) return own;
  const mapped = aliases?.get(name);
  if (mapped && attrs.has(mapped)) return attrs.get(mapped);
  for (const alias of Object.hasOwn(CONFIG_ALIASES, name) ? CONFIG_ALIASES[name]! : []) if (attrs.has(alias)) return attrs.get(alias);
  if (name === 'num_key_value_heads') return attrs.get('num_attention_heads');
  if (name === 'use_return_dict') {
    const rd = attrs.get('return_dict');
    if (rd) return rd;
  }
  if (name === '_attn_implementation') {
    const internal = attrs.get('_attn_implementation_internal') ?? attrs.get('attn_implementation');
    if (internal && internal.t === 'str') return internal;
  }
  if (Object.hasOwn(PRETRAINED_CONFIG_DEFAULTS, name)) return fromJson(PRETRAINED_CONFIG_DEFAULTS[name], `config.${name}`);
  return undefined;
}

/** Whether a dotted import path is one of transformers' attention dispatch tables. */
export function isAttentionTable(path: string): boolean {
  return /(^|\.)ALL_ATTENTION_FUNCTIONS$/.test(path);
}

/**
 * Library calls of transformers that are not layers: caches (empty for one
 * forward over the whole sequence), the default rope initialiser. Returns
 * undefined for anything else.
 */
export function callHfLibrary(last: string, pos: Value[], kw: Map<string, Value>, configAttr: (config: Value, name: string) => Value): Value | undefined {
  if (/^(Dynamic|Static|Hybrid|Sliding\w*|Encoder\w*)Cache$/.test(last)) return { t: 'obj', name: 'DynamicCache', attrs: new Map() };
  if (last === '_compute_default_rope_parameters' || last === 'ROPE_INIT_FUNCTIONS.default') {
    // (inv_freq of head_dim * partial_rotary_factor / 2 frequencies, attention scaling 1.0)
    const config = pos[0] ?? kw.get('config') ?? NONE;
    const dimV = configAttr(config, 'head_dim');
    const hidden = configAttr(config, 'hidden_size');
    const heads = configAttr(config, 'num_attention_heads');
    const factor = configAttr(config, 'partial_rotary_factor');
    const hd = dimV.t === 'num' ? dimV.v : hidden.t === 'num' && heads.t === 'num' ? Math.floor(hidden.v / heads.v) : undefined;
    const f = factor.t === 'num' ? factor.v : 1;
    return { t: 'seq', kind: 'tuple', items: [tensor(hd === undefined ? [undefined] : [Math.floor((hd * f) / 2)], 'rope dimension'), num(1)] };
  }
  return undefined;
}

/** Methods of the library objects above (`cache.get_seq_length()`, `cache.update(k, v, i)`). */
export function callHfObjectMethod(objName: string, name: string, pos: Value[]): Value | undefined {
  if (objName !== 'DynamicCache') return undefined;
  if (name === 'get_seq_length' || name === 'get_usable_length') return num(0);
  if (name === 'update') return { t: 'seq', kind: 'tuple', items: [pos[0] ?? NONE, pos[1] ?? NONE] };
  return undefined;
}
