/**
 * Marian (`model_type: marian`; the Helsinki-NLP opus-mt models),
 * transformers 5 `modeling_marian.py`: BART's post-norm encoder-decoder
 * (bart.ts) with fixed sinusoidal positions (MarianSinusoidalPositionalEmbedding,
 * max_position_embeddings rows; transformers keeps them as a non-trainable
 * parameter, so they count), plain token embeddings multiplied by
 * embed_scale in each stack (a mul op), and no layernorm_embedding.
 * share_encoder_decoder_embeddings false gives the decoder its own
 * decoder_vocab_size table.
 *
 * LM head: decoder_vocab_size x d_model, tied to the decoder's embeddings.
 *
 * HF defaults (MarianConfig): activation_function "gelu" (the opus-mt
 * checkpoints use "swish"), max_position_embeddings 1024,
 * share_encoder_decoder_embeddings true, scale_embedding false.
 */
import { lmHead, type ArchitectureBuilder, type LmHeadSpec } from './architecture.js';
import { buildBartFamily } from './bart.js';

/** marian: MarianModel. */
export const buildMarian: ArchitectureBuilder = buildBartFamily({ prefix: 'Marian', preNorm: false, finalNorm: false, embeddingNorm: false, positions: 'sinusoidal', alwaysShared: false, defaultActivation: 'gelu' });

/** Marian's LM head: tied to the decoder's embeddings. */
export const MARIAN_LM_HEAD: LmHeadSpec = lmHead(true, { vocabKeys: ['decoder_vocab_size', 'vocab_size'], widthKeys: ['d_model'] });
