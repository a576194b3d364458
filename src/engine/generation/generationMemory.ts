/**
 * Device memory of generation: the weights, the KV cache at the request's
 * full length (prompt + output) for every sequence of the batch, and the
 * activations of the largest pass (the prefill's, or a decode step's), per
 * GPU. The largest batch that fits follows from the same terms, the cache and
 * the activations both growing with the batch.
 */
import type { ModelTree } from '../tree/modelNode.js';
import { forEachNode } from '../tree/treeWalk.js';
import { estimateForwardMemory, type MemoryEstimate } from '../hardware/deviceMemory.js';

/** Memory of a generation setting on one GPU (bytes). */
export interface GenerationMemory {
  /** Parameters at their stored width (bytes). */
  weightBytes: number;
  /** KV cache of one token of one sequence (bytes): what every cached position costs. */
  kvBytesPerToken: number;
  /** The whole cache: kvBytesPerToken x batch x (prompt + output) (bytes). */
  kvCacheBytes: number;
  /** Activations alive at the peak of the largest pass (bytes). */
  activationBytes: number;
  /** weights + KV cache + activations (bytes). */
  totalBytes: number;
  /** Device memory (bytes); absent where the profile does not know it. */
  capacityBytes?: number;
  /** True when totalBytes fits in the capacity (or the capacity is unknown). */
  fits: boolean;
  /** Largest batch whose cache and activations fit beside the weights (count; 0 when the weights alone do not fit; absent when the capacity is unknown). */
  maxBatch?: number;
}

/**
 * Bytes the KV cache holds per token of one sequence, read off a prefill or
 * decode tree: the bytes its cache appends (`index_copy`) write, per new token
 * of the batch. Exact for whatever the architecture caches (GQA's fewer heads,
 * DeepSeek's separate value size).
 */
export function kvBytesPerToken(tree: ModelTree): number {
  let written = 0;
  forEachNode(tree.root, (node) => {
    if (node.children.length === 0 && node.instanceType === 'index_copy') written += (node.memBytes / 2) * node.calls;
  });
  return written / (tree.batchSize * tree.seqLen);
}

/**
 * The memory of a batch of requests on one GPU.
 * @param prefill the prefill tree (per GPU)
 * @param decode a decode step's tree (per GPU)
 * @param tokens prompt + output tokens per sequence (count)
 * @param capacityBytes device memory (bytes), when known
 * @param estimates the trees' `estimateForwardMemory`, when the caller has them already (a prediction's `memory.estimate`)
 */
export function generationMemory(
  prefill: ModelTree,
  decode: ModelTree,
  tokens: number,
  capacityBytes: number | undefined,
  estimates?: { prefill: MemoryEstimate; decode: MemoryEstimate },
): GenerationMemory {
  const prefillEstimate = estimates?.prefill ?? estimateForwardMemory(prefill);
  const decodeEstimate = estimates?.decode ?? estimateForwardMemory(decode);
  const weightBytes = prefill.weightBytes ?? prefillEstimate.weightBytes;
  const perToken = kvBytesPerToken(prefill);
  const batch = prefill.batchSize;
  const kvCacheBytes = perToken * batch * tokens;
  const activationBytes = Math.max(prefillEstimate.activationBytes, decodeEstimate.activationBytes);
  const totalBytes = weightBytes + kvCacheBytes + activationBytes;
  const out: GenerationMemory = { weightBytes, kvBytesPerToken: perToken, kvCacheBytes, activationBytes, totalBytes, fits: true };
  if (capacityBytes === undefined) return out;
  out.capacityBytes = capacityBytes;
  out.fits = totalBytes <= capacityBytes;
  const perSequence = perToken * tokens + activationBytes / batch;
  out.maxBatch = weightBytes >= capacityBytes ? 0 : Math.max(0, Math.floor((capacityBytes - weightBytes) / perSequence));
  return out;
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes >= 1e10 ? 0 : 1)} GB`;
}

/** The warning of a setting that does not fit, with the largest batch that does; undefined when it fits. */
export function generationMemoryWarning(m: GenerationMemory, device: string, batch: number, tokens: number, gpus: number): string | undefined {
  if (m.fits || m.capacityBytes === undefined) return undefined;
  const per = gpus > 1 ? ` per GPU (${gpus}-way tensor parallel)` : '';
  const fix =
    m.maxBatch === 0
      ? `the weights alone do not fit: use more GPUs (--gpus)`
      : `the largest batch that fits is ${m.maxBatch}`;
  return (
    `does not fit in memory: about ${gb(m.totalBytes)}${per} (weights ${gb(m.weightBytes)} + KV cache ${gb(m.kvCacheBytes)} for ${batch} × ${tokens} tokens + activations ${gb(m.activationBytes)}) ` +
    `on ${device} with ${gb(m.capacityBytes)}; ${fix}; this run cannot happen as predicted`
  );
}
