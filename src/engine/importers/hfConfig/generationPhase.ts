/**
 * What the config importer adds for the generation phases (prefill and
 * decode): which attention implementation runs, which architectures model a
 * KV cache, and the LM head a causal LM generates with (AutoModel trees have
 * none; `forward` trees stay headless).
 */
import type { ArchitectureSpec } from '../../architectures/architecture.js';
import type { ConfigReader } from '../../architectures/configReader.js';
import type { NodeFactory } from '../../architectures/treeBuilder.js';
import { InvalidInputError } from '../../errors.js';
import { ownValue } from '../../ownKey.js';
import { valueText } from '../../valueText.js';
import type { AttentionImplementation, ModelNode, Phase } from '../../tree/modelNode.js';

/** The attention a tree is built with and where that choice came from. */
export interface AttentionChoice {
  attention: AttentionImplementation;
  /** `option`: the caller said; `config`: the config's `_attn_implementation`; `default`: assumed. */
  source: 'option' | 'config' | 'default';
  /** An `_attn_implementation` the config gives that IrEne does not know (then the default is assumed). */
  unknown?: string;
}

/** `_attn_implementation` values of transformers and the core each runs (flash and flex kernels are fused like sdpa). */
const CONFIG_ATTENTION: Readonly<Record<string, AttentionImplementation>> = {
  eager: 'eager',
  sdpa: 'sdpa',
  flash_attention_2: 'sdpa',
  flash_attention_3: 'sdpa',
  flex_attention: 'sdpa',
  paged_attention: 'sdpa',
};

/**
 * The attention implementation: the caller's, else (generation phases only)
 * the config's `_attn_implementation`, else `sdpa` as transformers defaults
 * to today. A `forward` tree without an explicit choice stays eager: the tree
 * IrEne's profiles were measured and validated on.
 */
export function chooseAttention(option: AttentionImplementation | undefined, config: Readonly<Record<string, unknown>>, phase: Phase): AttentionChoice {
  if (option) return { attention: option, source: 'option' };
  if (phase === 'forward') return { attention: 'eager', source: 'default' };
  const declared = config['_attn_implementation'] ?? config['attn_implementation'];
  // Own keys only: "constructor" is no attention implementation.
  const known = typeof declared === 'string' ? ownValue(CONFIG_ATTENTION, declared) : undefined;
  if (known) return { attention: known, source: 'config' };
  return { attention: 'sdpa', source: 'default', ...(declared !== undefined && declared !== null ? { unknown: valueText(declared) } : {}) };
}

/** The sentence that says which attention a generation tree assumed. */
export function attentionNote(choice: AttentionChoice): string | undefined {
  if (choice.source !== 'default') return undefined;
  const why = choice.unknown !== undefined
    ? `the config's _attn_implementation ${choice.unknown} is not one IrEne knows (${Object.keys(CONFIG_ATTENTION).join(', ')})`
    : 'the config names no _attn_implementation';
  return `attention assumed ${choice.attention} (${why}; transformers' default): pass attention "eager" for explicit matmul / softmax / matmul with the scores in memory`;
}

/**
 * Refuses a generation phase the architecture cannot model (encoders, the
 * encoder-decoders and the decoders whose builder has no KV cache yet).
 * @throws InvalidInputError naming what is supported
 */
export function checkPhaseSupported(modelType: string, spec: ArchitectureSpec, phase: Phase, supported: readonly string[]): void {
  if (phase === 'forward') return;
  if (spec.family === 'encoder') {
    throw new InvalidInputError(`model_type "${modelType}" is an encoder: it generates no tokens, so it has no ${phase} phase; use the forward phase`);
  }
  if (!spec.kvCache || !spec.lmHead) {
    throw new InvalidInputError(
      `the ${phase} phase is not modelled for model_type "${modelType}" yet (a KV cache is modelled for ${supported.join(', ')}); use the forward phase`,
    );
  }
}

/**
 * The causal LM's `lm_head` (scope `root.lm_head`): a Linear from the last
 * hidden state to the vocabulary, run on one position per sequence (a prefill
 * keeps the last position's logits only, as `generate` asks with
 * `logits_to_keep=1`; a decode step has one). A head tied to the input
 * embedding owns no parameters of its own (they count once) but still reads
 * the matrix.
 */
export function lmHeadNode(cfg: ConfigReader, spec: ArchitectureSpec, f: NodeFactory, batchSize: number): ModelNode {
  const head = spec.lmHead!;
  const vocab = cfg.requiredInt([...head.vocabKeys]);
  const width = cfg.requiredInt([...head.widthKeys]);
  const tied = cfg.bool(head.tiedKey, head.tiedDefault);
  const node = f.linear('root.lm_head', [batchSize, 1, width], vocab, head.bias ?? false, { configKey: cfg.keyOf([...head.vocabKeys]) ?? 'vocab_size' });
  if (tied) node.parameters = head.bias ? vocab : 0;
  return node;
}
