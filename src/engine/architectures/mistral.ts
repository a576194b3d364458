/**
 * Mistral (`model_type: mistral`): Llama's decoder with Mistral class names,
 * no biases. The sliding window only masks keys further back than
 * `sliding_window` tokens; eager attention still computes the full T x T
 * scores, so compute is the same as Llama's (and identical in result while
 * T <= sliding_window). The mask builder may record a few more tiny int ops
 * than Llama's at the root; they are left out (no measured Mistral tree).
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
  defaultMaxPositions: 4096 * 32,
});
