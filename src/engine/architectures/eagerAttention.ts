/**
 * The eager attention core most transformers 5 models share
 * (`eager_attention_forward` and its per-model copies): scores, scaling,
 * optional soft-capping, the additive mask or position bias, softmax, the
 * context product and the transpose back. Recorded into the calling
 * attention module's op counter, the way the measuring hooks number them.
 *
 * The query length and the key/value length are separate inputs: they are
 * equal for self-attention over a prompt, and differ for cross-attention
 * (target x source) and for decoding with a KV cache (1 x past + 1).
 *
 * With `NodeFactory.attention` = `sdpa` the same call records one fused
 * `scaled_dot_product_attention` op instead (flash / memory-efficient
 * kernels): the same FLOPs, but its memory traffic is only q, the keys and
 * values (at their own head count: the kernel reads each KV head once for its
 * query group) and the output; no score tensor is written or read. The causal
 * mask is the kernel's `is_causal`, not a tensor it reads.
 */
import { FLOPS_PER_ELEMENT } from '../features/primitiveCost.js';
import type { NodeFactory, OpRecorder } from './treeBuilder.js';

/** Shapes of one attention call (elements). */
export interface AttentionShape {
  /** Sequences (count). */
  batch: number;
  /** Query heads; keys and values are repeated up to this many (repeat_kv, not recorded). */
  heads: number;
  /** Query positions (tokens). */
  qLen: number;
  /** Key/value positions (tokens). */
  kvLen: number;
  /** Query/key head size (elements). */
  headDim: number;
  /** Value head size (elements); DeepSeek's differs from the query/key size. */
  valueDim?: number;
  /** Key/value heads (GQA: fewer than `heads`); defaults to `heads`. The fused kernel reads this many. */
  kvHeads?: number;
}

/** What differs between the eager cores of the models (transformers 5). */
export interface AttentionCoreOptions {
  /**
   * `mul`: scores x scaling (the shared eager_attention_forward); `div`:
   * scores / sqrt(d) (Falcon, GPT-NeoX's older code); `none`: T5, whose
   * initialisation folds the scale into the query weights.
   */
  scale: 'mul' | 'div' | 'none';
  /** Gemma 2's attn_logit_softcapping: scores / cap, tanh, x cap. */
  softcap?: boolean;
  /**
   * Shape of the tensor added to the scores: the (B, 1, q, kv) causal mask,
   * T5's (1, heads, q, kv) position bias; none for encoders run without a mask.
   */
  addShape?: number[];
  /** Softmax in float32 and cast back (`softmax(..., dtype=float32).to(q.dtype)`); else in the compute dtype. */
  softmaxFp32: boolean;
  /** gpt-oss attention sinks: one learned logit per head, concatenated before the softmax; the op carries its `heads` parameters. */
  sinks?: boolean;
  /** The `attn_output.transpose(1, 2).contiguous()` at the end of eager_attention_forward (true for transformers 5's shared function). */
  transposeCopy: boolean;
}

/**
 * Records the eager attention core: matmul(q, k^T), scale, [softcap], [+ mask
 * or bias], [sinks], softmax [fp32 + cast back], matmul(probs, v), [transpose copy].
 */
export function eagerAttentionCore(ops: OpRecorder, f: NodeFactory, s: AttentionShape, o: AttentionCoreOptions): void {
  if (f.attention === 'sdpa') {
    fusedAttentionCore(ops, f, s, o);
    return;
  }
  const { batch: B, heads: h, qLen: q, kvLen: kv, headDim: d } = s;
  const vd = s.valueDim ?? d;
  const S = [B, h, q, kv];
  ops.matmul([B, h, q, d], [B, h, d, kv]);
  if (o.scale === 'mul') ops.elementwise('mul', [f.t(S), 'scalar']);
  else if (o.scale === 'div') ops.elementwise('div', [f.t(S), 'scalar']);
  if (o.softcap) {
    ops.elementwise('div', [f.t(S), 'scalar']);
    ops.elementwise('tanh', [f.t(S)], f.dtype, 4);
    ops.elementwise('mul', [f.t(S), 'scalar']);
  }
  if (o.addShape) ops.elementwise('add', [f.t(S), f.t(o.addShape)]);
  let probs = S;
  if (o.sinks) {
    const withSink = [B, h, q, kv + 1];
    const cat = ops.cat([S, [B, h, q, 1]]);
    cat.parameters = h; // the sinks tensor (heads) the attention module holds directly
    cat.memBytes += h * f.dtypeBytes;
    ops.elementwise('sub', [f.t(withSink), f.t([B, h, q, 1])]);
    probs = withSink;
  }
  if (o.softmaxFp32) {
    ops.softmax(probs, 'fp32');
    ops.cast({ shape: probs, type: 'fp32' }, f.dtype);
  } else {
    ops.softmax(probs);
  }
  ops.matmul(S, [B, h, kv, vd]);
  if (o.transposeCopy) ops.contiguous([B, q, h, vd]);
}

/**
 * FLOPs per score element beyond the two products, as the eager core counts
 * them: the scaling, the soft-cap's div / tanh / mul, the mask add, the softmax.
 */
function scoreFlopsPerElement(o: AttentionCoreOptions): number {
  return (o.scale === 'none' ? 0 : 1) + (o.softcap ? 6 : 0) + (o.addShape ? 1 : 0) + FLOPS_PER_ELEMENT.softmax;
}

/**
 * The fused core: one `scaled_dot_product_attention` op (kind matmul) and the
 * transpose copy after it (transformers' sdpa_attention_forward keeps it).
 * FLOPs: 2 x B x heads x q x kv x (d + vd) for the two products plus the
 * score element-wise work; bytes: q, K, V and the output, K and V at `kvHeads`.
 */
function fusedAttentionCore(ops: OpRecorder, f: NodeFactory, s: AttentionShape, o: AttentionCoreOptions): void {
  const { batch: B, heads: h, qLen: q, kvLen: kv, headDim: d } = s;
  const vd = s.valueDim ?? d;
  const kvh = s.kvHeads ?? h;
  const scores = B * h * q * kv;
  const elements = B * h * q * d + B * kvh * kv * (d + vd) + B * h * q * vd;
  ops.custom('scaled_dot_product_attention', [[B, h, q, d], [B, kvh, kv, d], [B, kvh, kv, vd]], {
    flops: 2 * scores * (d + vd) + scores * scoreFlopsPerElement(o),
    memBytes: elements * f.dtypeBytes,
    parameters: o.sinks ? h : 0,
  });
  if (o.transposeCopy) ops.contiguous([B, q, h, vd]);
}

/**
 * The KV cache append of one attention call, as a static cache runs it
 * (`index_copy_` of the new keys, then of the new values, into the
 * preallocated cache): each reads the new (B, kvHeads, T, dim) states and
 * writes them into the cache. Only when the factory builds a cache
 * (`NodeFactory.kvCache`); a plain forward pass has none.
 * @param newLen tokens appended (count: the prompt in a prefill, 1 in a decode step)
 */
export function kvCacheWrites(ops: OpRecorder, f: NodeFactory, B: number, kvHeads: number, newLen: number, keyDim: number, valueDim = keyDim): void {
  if (!f.kvCache) return;
  for (const dim of [keyDim, valueDim]) {
    const n = B * kvHeads * newLen * dim;
    ops.custom('index_copy', [[B, kvHeads, newLen, dim]], { flops: 0, memBytes: 2 * n * f.dtypeBytes, parameters: 0 });
  }
}
