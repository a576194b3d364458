/**
 * Qwen2 (`model_type: qwen2`): Llama's decoder with Qwen2 class names and
 * biases on q_proj, k_proj and v_proj (not on o_proj or the MLP).
 * With `use_sliding_window` some layers use a windowed mask; as for Mistral
 * that does not change eager compute, so it is ignored.
 *
 * HF defaults (Qwen2Config): num_key_value_heads 32 when the key is absent
 * (null means as many as query heads), max_position_embeddings 32768, hidden_act "silu".
 */
import type { ArchitectureBuilder } from './architecture.js';
import { buildLlamaFamily } from './llama.js';

const buildQwen2Layers: ArchitectureBuilder = buildLlamaFamily({
  prefix: 'Qwen2',
  qkvBias: () => true,
  oBias: () => false,
  mlpBias: () => false,
  defaultKvHeads: 32,
  defaultMaxPositions: 32768,
});

/** qwen2: Qwen2Model. */
export const buildQwen2: ArchitectureBuilder = (cfg, ctx) => {
  if (cfg.bool('use_sliding_window', false)) {
    cfg.warnings.push(`${cfg.context}: use_sliding_window is on: the windowed layers' extra mask ops (a few integer ops at the root) are not shown; attention compute is unchanged`);
  }
  return buildQwen2Layers(cfg, ctx);
};
