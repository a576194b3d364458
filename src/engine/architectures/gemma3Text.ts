/**
 * Gemma 3's text model (`model_type: gemma3_text`, Gemma3TextModel; the
 * 1B checkpoint, and the language model inside the multimodal ones): Gemma
 * 2's layer (gemma.ts) plus an RMSNorm on each query and key head (q_norm,
 * k_norm), no attention soft-capping by default, an embedding that scales
 * itself (Gemma3TextScaledWordEmbedding), and five sliding-window layers per
 * global one (sliding_window_pattern 6, or layer_types). The model asks its
 * rotary module for the cos/sin of each entry of layer_types (one call per
 * layer, each layer type's result kept).
 *
 * LM head: tied; final_logit_softcapping is null by default.
 *
 * HF defaults (Gemma3TextConfig): sliding_window 4096, sliding_window_pattern
 * 6, query_pre_attn_scalar 256, head_dim 256, num_key_value_heads 16,
 * max_position_embeddings 131072, attn_logit_softcapping null.
 */
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { buildGemmaFamily } from './gemma.js';

/** gemma3_text: Gemma3TextModel. */
export const buildGemma3Text: ArchitectureBuilder = buildGemmaFamily({
  prefix: 'Gemma3',
  modelClass: 'Gemma3TextModel',
  sandwichNorms: true,
  qkNorm: true,
  scaledEmbedding: true,
  sliding: {
    defaultWindow: 4096,
    rule: (cfg) => {
      const pattern = cfg.int('sliding_window_pattern', 6);
      return (i) => (i + 1) % pattern !== 0;
    },
  },
  queryPreAttnScalar: true,
  defaultMaxPositions: 131072,
});

/** Gemma 3's LM head: tied. */
export const GEMMA3_LM_HEAD: LmHeadSpec = lmHead(true, { softcapKey: 'final_logit_softcapping' });
