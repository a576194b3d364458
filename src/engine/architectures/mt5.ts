/**
 * mT5 (`model_type: mt5`), transformers 5 `modeling_mt5.py`: T5 v1.1's
 * encoder-decoder (t5.ts) under MT5 class names: gated-GELU feed-forward
 * (wi_0, wi_1), a 250k vocabulary, an untied LM head.
 *
 * HF defaults (MT5Config): feed_forward_proj "gated-gelu", d_kv 64,
 * d_ff 1024, tie_word_embeddings false.
 */
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { buildT5Family } from './t5.js';

/** mt5: MT5Model. */
export const buildMt5: ArchitectureBuilder = buildT5Family({ prefix: 'MT5', biasInEveryLayer: false, defaultFeedForward: 'gated-gelu' });

/** mT5's LM head: untied by default. */
export const MT5_LM_HEAD: LmHeadSpec = lmHead(false, { widthKeys: ['d_model'] });
