/**
 * What every architecture file exports: a builder from a config to the root
 * node of the tree `transformers`' AutoModel runs (no head, eager attention,
 * `use_cache=False`), for one batch size, sequence length and dtype.
 */
import { InvalidInputError } from '../errors.js';
import type { Dtype, ModelNode } from '../tree/modelNode.js';
import type { ConfigReader } from './configReader.js';
import type { NodeFactory } from './treeBuilder.js';

/** The inference setting and the node factory a builder works with. */
export interface BuildContext {
  /** Sequences per forward pass (count). */
  batchSize: number;
  /** Tokens per sequence (count); for an encoder-decoder, the source length the encoder runs over. */
  seqLen: number;
  /** Tokens per target sequence an encoder-decoder's decoder runs over (count); equals `seqLen` unless set. */
  targetLen: number;
  /**
   * Tokens already in the KV cache before this call (count; 0 or absent for a
   * forward pass and a prefill). A decode step runs `seqLen` (1) new tokens
   * whose attention reads `pastLen + seqLen` cached keys and values.
   */
  pastLen?: number;
  dtype: Dtype;
  f: NodeFactory;
  /** Mixture-of-experts builders add their routed experts here, for the tree's active-parameter count. */
  moe: MoeTally;
  signal?: AbortSignal;
}

/** Routed-expert parameters of a tree (counts), filled while building. */
export interface MoeTally {
  /** Parameters of every routed expert (count). */
  routedParameters: number;
  /** Parameters of the routed experts one token runs: routed x top-k / experts (count). */
  activeRoutedParameters: number;
}

/**
 * How a causal LM's head is sized. AutoModel trees are headless; the
 * generation phases (prefill / decode with an LM head) add it from this.
 */
export interface LmHeadSpec {
  /** Config key(s) of the vocabulary size: the head's output rows. */
  vocabKeys: readonly string[];
  /** Config key(s) of the width the head projects from. */
  widthKeys: readonly string[];
  /** Config key saying whether the head shares the input embedding's weights. */
  tiedKey: string;
  /** transformers' default of `tiedKey` for this architecture. */
  tiedDefault: boolean;
  /** True when the head has a bias (phi). */
  bias?: boolean;
  /** Config key of a soft-cap applied to the logits (gemma2: final_logit_softcapping). */
  softcapKey?: string;
}

/** What the generation work needs to know about an architecture besides its tree. */
export interface ArchitectureSpec {
  /** `decoder`: causal LM; `encoder`: no generation; `encoder-decoder`: the encoder runs once, the decoder per generated token. */
  family: 'decoder' | 'encoder' | 'encoder-decoder';
  build: ArchitectureBuilder;
  /** The LM head a causal LM or encoder-decoder generates with (absent for encoders). */
  lmHead?: LmHeadSpec;
  /** Scope of the stack that runs per generated token (encoder-decoder: `root.decoder`; decoders: `root`). */
  decodes?: string;
  /**
   * True when the builder models a KV cache (`BuildContext.pastLen`, cache
   * writes): only then can the config importer build prefill and decode trees.
   */
  kvCache?: boolean;
}

/** Key/value positions a self-attention call attends over (tokens): the cached ones plus the new ones. */
export function kvLenOf(ctx: BuildContext): number {
  return ctx.seqLen + (ctx.pastLen ?? 0);
}

/** The LM head of most HF causal LMs: vocab_size x hidden_size, tied per `tie_word_embeddings`. */
export function lmHead(tiedDefault: boolean, more: Partial<LmHeadSpec> = {}): LmHeadSpec {
  return { vocabKeys: ['vocab_size'], widthKeys: ['hidden_size'], tiedKey: 'tie_word_embeddings', tiedDefault, ...more };
}

/** Builds the root node (type `model`) of one model_type; costs per call, totals not yet rolled up. */
export type ArchitectureBuilder = (config: ConfigReader, ctx: BuildContext) => ModelNode;

/**
 * Learned position tables cannot index past their size: transformers fails
 * with an index error, so the engine refuses the setting up front.
 * @param usable positions a sequence may use (table rows minus any offset)
 */
export function checkLearnedPositions(seqLen: number, usable: number, key: string, context: string, what = 'sequence length'): void {
  if (seqLen > usable) {
    throw new InvalidInputError(`${what} ${seqLen} is longer than this model's learned positions allow (${usable}, from "${key}" in the ${context}); use a ${what} of at most ${usable}`);
  }
}

/** Head size of multi-head attention; the hidden size must split evenly across heads. */
export function headDim(hidden: number, heads: number, hiddenKey: string, headsKey: string, context: string): number {
  if (hidden % heads !== 0) {
    throw new InvalidInputError(`${context}: "${hiddenKey}" (${hidden}) is not a multiple of "${headsKey}" (${heads})`);
  }
  return hidden / heads;
}
