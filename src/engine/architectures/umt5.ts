/**
 * UMT5 (`model_type: umt5`), transformers 5 `modeling_umt5.py`: mT5's
 * encoder-decoder (t5.ts) where every self-attention layer has its own
 * relative_attention_bias and computes its own position bias (T5 computes
 * it in block 0 and reuses it). Cross-attention has none.
 *
 * HF defaults (UMT5Config): feed_forward_proj "gated-gelu",
 * tie_word_embeddings false.
 */
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { buildT5Family } from './t5.js';

/** umt5: UMT5Model. */
export const buildUmt5: ArchitectureBuilder = buildT5Family({ prefix: 'UMT5', biasInEveryLayer: true, defaultFeedForward: 'gated-gelu' });

/** UMT5's LM head: untied by default. */
export const UMT5_LM_HEAD: LmHeadSpec = lmHead(false, { widthKeys: ['d_model'] });
