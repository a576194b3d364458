/**
 * Budgets on work, shared by every importer: how big a tree may get, how far
 * a config's sizes may go, how many ONNX function nodes may be inlined, how
 * deep a nested document may be. Each sits far above any real model, so only
 * absurd or hostile input meets it, and then as one line naming the limit
 * instead of minutes of work and gigabytes of memory.
 */
import { InvalidInputError } from '../errors.js';

/**
 * Most nodes one model tree may have (count); the largest real trees here have a few thousand
 * (Llama-3.1-405B's config tree, 126 layers: some 4,300). Why 100k and not more: every input
 * must end within 2 s and 500 MB, and at about 36 nodes a layer a 3,000-layer Llama config
 * (108k nodes) took 1.4 s and 506 MB as JSON and 1.9 s to `generate`, a measured JSONL tree of
 * 300k nodes 2.9 s and 800 MB.
 */
export const MAX_TREE_NODES = 100_000;

/**
 * Counts the nodes an importer creates against {@link MAX_TREE_NODES}.
 * Create one per import; call {@link take} for every node.
 */
export class TreeNodeBudget {
  private used = 0;

  /**
   * @param context how the message names the input (`gpt2 config`, `model.onnx`)
   * @param limit most nodes (count)
   */
  constructor(
    readonly context: string,
    readonly limit: number = MAX_TREE_NODES,
  ) {}

  /** Nodes taken so far (count). */
  get count(): number {
    return this.used;
  }

  /** True while `n` more nodes fit. */
  fits(n = 1): boolean {
    return this.used + n <= this.limit;
  }

  /**
   * Takes `n` nodes.
   * @throws InvalidInputError past the limit
   */
  take(n = 1): void {
    this.used += n;
    if (this.used > this.limit) {
      throw new InvalidInputError(`${this.context}: the model tree would have more than ${this.limit.toLocaleString('en-US')} nodes (IrEne's limit); the sizes are far beyond any real model`);
    }
  }
}

/** Most layers a config may declare (count): real models have at most a few hundred. */
export const MAX_CONFIG_LAYERS = 10_000;
/** Most attention heads, experts or groups (count). */
export const MAX_CONFIG_HEADS = 65_536;
/** Largest vocabulary or position table (count of rows). */
export const MAX_CONFIG_ROWS = 2 ** 27;
/** Largest width of a hidden, intermediate or head dimension (elements). */
export const MAX_CONFIG_SIZE = 2 ** 24;

/**
 * The limit of a config field by its name, with the words for the message:
 * table rows (vocabularies, positions, ids) first, then widths (`*_size`,
 * `*_dim`), layer counts, head / expert / group counts; anything else is a width.
 */
export function configFieldLimit(key: string): { limit: number; what: string } {
  const k = key.toLowerCase();
  if (/vocab|position|bucket|token_id/.test(k)) return { limit: MAX_CONFIG_ROWS, what: 'rows' };
  if (/(_size|dim|rank)$|^d_|n_embd|n_embed|n_inner/.test(k)) return { limit: MAX_CONFIG_SIZE, what: 'elements' };
  if (/layers?$|replace$/.test(k)) return { limit: MAX_CONFIG_LAYERS, what: 'layers' };
  if (/heads?$|experts?|groups?$|_tok$/.test(k)) return { limit: MAX_CONFIG_HEADS, what: 'heads, experts or groups' };
  if (/window/.test(k)) return { limit: MAX_CONFIG_ROWS, what: 'rows' };
  return { limit: MAX_CONFIG_SIZE, what: 'elements' };
}

/** Largest batch size the engine predicts for (sequences). */
export const MAX_BATCH_SIZE = 1_048_576;
/** Largest sequence or target length (tokens). */
export const MAX_SEQUENCE_LENGTH = 2 ** 27;

/**
 * Most nodes inlining ONNX local functions may add to a graph (count); a 70B
 * decoder exported with a function per module adds about 12,000.
 */
export const MAX_INLINED_ONNX_NODES = 50_000;

/**
 * Most nodes an ONNX file may hold, sub-graphs included (count). The largest real exports are some
 * tens of thousands (Llama-3.1-405B's 126 layers at about 220 nodes each: 28k). Every input must
 * end within 2 s and 500 MB, and a chain of 99,990 nodes took 2.45 s (590 MB as JSON): at 65,536
 * what is accepted stays under that, and a 200k fan-out or a million-node file is refused while it
 * is read, not after gigabytes of nodes.
 */
export const MAX_ONNX_NODES = 65_536;

/** The error for an ONNX file over {@link MAX_ONNX_NODES}. */
export function onnxTooLargeError(fileName: string): InvalidInputError {
  return new InvalidInputError(
    `${fileName}: more than ${MAX_ONNX_NODES.toLocaleString('en-US')} ONNX nodes (IrEne's limit; the largest real exports have some tens of thousands)`,
  );
}

/** Deepest nesting of JSON objects and arrays (and JSONL trees) the readers accept (levels). */
export const MAX_NESTING_DEPTH = 1_000;

/**
 * Largest FLOPs, bytes, parameters or calls of one node the predictor takes
 * (count): a trillion times a frontier model's forward pass. Beyond it the
 * products inside the predictor overflow to Infinity.
 */
export const MAX_NODE_WORK = 1e30;

/** The fields of a node the predictor multiplies. */
const WORK_FIELDS = ['flops', 'memBytes', 'parameters', 'calls'] as const;

/**
 * Checks that every node's work is a finite number in [0, MAX_NODE_WORK] and
 * the setting's batch and sequence length are positive and within limits,
 * whatever importer or data file the tree came from; iterative, so a deep
 * tree cannot overflow the stack.
 * @throws InvalidInputError naming the node and the field
 */
export function assertTreeWorkFinite(tree: {
  modelName: string;
  batchSize: number;
  seqLen: number;
  root: { scope: string; children: readonly unknown[] } & Record<(typeof WORK_FIELDS)[number], number>;
}): void {
  for (const [what, v, limit] of [['batch size', tree.batchSize, MAX_BATCH_SIZE], ['sequence length', tree.seqLen, MAX_SEQUENCE_LENGTH]] as const) {
    if (!(Number.isFinite(v) && v > 0 && v <= limit)) throw new InvalidInputError(`${tree.modelName}: ${what} ${v} is not a positive number up to ${limit.toLocaleString('en-US')}`);
  }
  type Node = typeof tree.root;
  const stack: Node[] = [tree.root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    // Index loops: this runs on every node of every prediction, mostly before the JIT has
    // compiled it, and an interpreted for-of allocates an iterator result per element.
    for (let k = 0; k < WORK_FIELDS.length; k++) {
      const f = WORK_FIELDS[k]!;
      const v = n[f];
      if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_NODE_WORK)) {
        throw new InvalidInputError(`${tree.modelName}: node ${n.scope} has ${f} ${String(v)}, outside what IrEne predicts (a finite number from 0 to ${MAX_NODE_WORK})`);
      }
    }
    const kids = n.children;
    for (let i = 0; i < kids.length; i++) stack.push(kids[i] as Node);
  }
}
