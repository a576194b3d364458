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
  /** Tokens per sequence (count). */
  seqLen: number;
  dtype: Dtype;
  f: NodeFactory;
  signal?: AbortSignal;
}

/** Builds the root node (type `model`) of one model_type; costs per call, totals not yet rolled up. */
export type ArchitectureBuilder = (config: ConfigReader, ctx: BuildContext) => ModelNode;

/**
 * Learned position tables cannot index past their size: transformers fails
 * with an index error, so the engine refuses the setting up front.
 * @param usable positions a sequence may use (table rows minus any offset)
 */
export function checkLearnedPositions(seqLen: number, usable: number, key: string, context: string): void {
  if (seqLen > usable) {
    throw new InvalidInputError(
      `sequence length ${seqLen} is longer than this model's learned positions allow (${usable}, from "${key}" in the ${context}); use a sequence length of at most ${usable}`,
    );
  }
}

/** Head size of multi-head attention; the hidden size must split evenly across heads. */
export function headDim(hidden: number, heads: number, hiddenKey: string, headsKey: string, context: string): number {
  if (hidden % heads !== 0) {
    throw new InvalidInputError(`${context}: "${hiddenKey}" (${hidden}) is not a multiple of "${headsKey}" (${heads})`);
  }
  return hidden / heads;
}
