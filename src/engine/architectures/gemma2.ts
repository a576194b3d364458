/**
 * Gemma 2 (`model_type: gemma2`): Gemma's decoder (gemma.ts) with four norms
 * per layer (post-attention and pre-/post-feedforward), the attention scaled
 * by query_pre_attn_scalar^-0.5, attention logits soft-capped (scores /
 * cap, tanh, x cap) and sliding-window layers alternating with global ones
 * (layer_types, or even layers sliding by default). The model builds both a
 * causal and a sliding-window mask at the root.
 *
 * LM head: tied, with the logits soft-capped by final_logit_softcapping.
 *
 * HF defaults (Gemma2Config): attn_logit_softcapping 50.0,
 * final_logit_softcapping 30.0, query_pre_attn_scalar 256, sliding_window
 * 4096, head_dim 256, num_key_value_heads 16, max_position_embeddings 8192.
 */
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { buildGemmaFamily } from './gemma.js';

/** gemma2: Gemma2Model. */
export const buildGemma2: ArchitectureBuilder = buildGemmaFamily({
  prefix: 'Gemma2',
  modelClass: 'Gemma2Model',
  sandwichNorms: true,
  qkNorm: false,
  scaledEmbedding: false,
  sliding: { defaultWindow: 4096, rule: () => (i) => (i + 1) % 2 === 1 },
  defaultSoftcap: 50,
  queryPreAttnScalar: true,
  defaultMaxPositions: 8192,
});

/** Gemma 2's LM head: tied, logits soft-capped. */
export const GEMMA2_LM_HEAD: LmHeadSpec = lmHead(true, { softcapKey: 'final_logit_softcapping' });
