/**
 * Mistral (`model_type: mistral`): Llama's decoder with Mistral class names,
 * no biases. The sliding window only masks keys further back than
 * `sliding_window` tokens; eager attention still computes the full T x T
 * scores, so compute is the same as Llama's (and identical in result while
 * T <= sliding_window). When `sliding_window` is set, the mask builder runs
 * a few more tiny ops at the root (a sub and two bool casts; recorded with
 * transformers 5.17 in test/fixtures/configs/reference).
 *
 * HF defaults (MistralConfig): num_key_value_heads 8 when the key is absent
 * (null means as many as query heads), head_dim = hidden_size /
 * num_attention_heads, max_position_embeddings 131072 (4096 x 32), hidden_act "silu".
 */
import type { ArchitectureBuilder } from './architecture.js';
import { buildLlamaFamily } from './llama.js';

/** mistral: MistralModel. */
export const buildMistral: ArchitectureBuilder = buildLlamaFamily({
  prefix: 'Mistral',
  qkvBias: () => false,
  oBias: () => false,
  mlpBias: () => false,
  defaultKvHeads: 8,
  slidingMask: (cfg) => cfg.has('sliding_window'),
  defaultMaxPositions: 4096 * 32,
});
