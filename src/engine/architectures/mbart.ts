/**
 * mBART (`model_type: mbart`), transformers 5 `modeling_mbart.py`: BART's
 * encoder-decoder (bart.ts) with the LayerNorm before each sub-layer instead
 * of after it (the same ops and cost, in another order) and a final
 * `layer_norm` closing each stack. MBartScaledWordEmbedding scales by
 * sqrt(d_model) when scale_embedding (true for the published checkpoints).
 *
 * LM head: vocab_size x d_model, tied.
 *
 * HF defaults (MBartConfig): as BART's (activation "gelu",
 * max_position_embeddings 1024, 12 + 12 layers, 16 heads, ffn 4096).
 */
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { buildBartFamily } from './bart.js';

/** mbart: MBartModel. */
export const buildMbart: ArchitectureBuilder = buildBartFamily({ prefix: 'MBart', preNorm: true, finalNorm: true, embeddingNorm: true, positions: 'learned', alwaysShared: true, defaultActivation: 'gelu' });

/** mBART's LM head: tied. */
export const MBART_LM_HEAD: LmHeadSpec = lmHead(true, { widthKeys: ['d_model'] });
