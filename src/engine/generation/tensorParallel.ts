/**
 * Tensor parallelism over N GPUs (Megatron-style, as vLLM and TGI run it):
 * each attention is split by heads and each MLP by its intermediate width,
 * the embedding and the LM head by vocabulary rows; norms and residuals are
 * replicated. Every layer then sums its partial outputs twice (after the
 * attention's output projection and after the MLP's down projection) with an
 * all-reduce over the interconnect.
 *
 * The per-GPU model is the config with the split sizes (heads / N, KV heads
 * / N or one replicated head per GPU when there are fewer KV heads than GPUs,
 * intermediate / N, vocabulary / N), built by the same architecture files.
 */
import { InvalidInputError } from '../errors.js';

/** Config keys of the sizes tensor parallelism divides, by what they size. */
const HEAD_KEYS = ['num_attention_heads', 'n_head'] as const;
const KV_HEAD_KEYS = ['num_key_value_heads'] as const;
const WIDTH_KEYS = ['intermediate_size', 'n_inner', 'ffn_dim', 'moe_intermediate_size', 'shared_expert_intermediate_size'] as const;
const VOCAB_KEYS = ['vocab_size'] as const;

function intAt(config: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * The config of one GPU's shard under `gpus`-way tensor parallelism. The head
 * size is pinned (`head_dim`) so that splitting the heads does not widen them.
 * @throws InvalidInputError when the heads or the intermediate width do not split evenly
 */
export function shardConfig(config: Readonly<Record<string, unknown>>, gpus: number): Record<string, unknown> {
  if (!Number.isInteger(gpus) || gpus < 1) throw new InvalidInputError(`gpus must be a positive integer, got ${String(gpus)}`);
  const out: Record<string, unknown> = { ...config };
  if (gpus === 1) return out;
  const headKey = HEAD_KEYS.find((k) => intAt(config, k) !== undefined);
  if (!headKey) throw new InvalidInputError(`tensor parallelism needs the number of attention heads ("num_attention_heads") in the config`);
  const heads = intAt(config, headKey)!;
  if (heads % gpus !== 0) {
    throw new InvalidInputError(`"${headKey}" (${heads}) does not split across ${gpus} GPUs; use a number of GPUs that divides it`);
  }
  const hidden = intAt(config, 'hidden_size') ?? intAt(config, 'n_embd');
  if (intAt(config, 'head_dim') === undefined && hidden !== undefined) out['head_dim'] = hidden / heads;
  out[headKey] = heads / gpus;
  for (const k of KV_HEAD_KEYS) {
    const kv = intAt(config, k);
    if (kv === undefined) continue;
    if (kv % gpus !== 0 && gpus % kv !== 0) {
      throw new InvalidInputError(`"${k}" (${kv}) neither splits across ${gpus} GPUs nor replicates evenly onto them; use a number of GPUs that divides it or that it divides`);
    }
    // Fewer KV heads than GPUs: each GPU holds one, replicated (what vLLM does).
    out[k] = Math.max(1, kv / gpus);
  }
  for (const k of WIDTH_KEYS) {
    const w = intAt(config, k);
    if (w === undefined) continue;
    if (w % gpus !== 0) throw new InvalidInputError(`"${k}" (${w}) does not split across ${gpus} GPUs; use a number of GPUs that divides it`);
    out[k] = w / gpus;
  }
  for (const k of VOCAB_KEYS) {
    const v = intAt(config, k);
    if (v !== undefined) out[k] = Math.ceil(v / gpus);
  }
  return out;
}

/** The all-reduces of one forward pass or decode step (per GPU). */
export interface AllReduceCost {
  /** All-reduces per pass (count): two per layer. */
  count: number;
  /** Bytes each all-reduce sums (bytes): the layer's output, tokens x hidden x dtype bytes. */
  bytesEach: number;
  /** Seconds all of them take at the interconnect bandwidth (seconds). */
  timeS: number;
}

/**
 * A ring all-reduce of `bytes` over `gpus` devices moves 2 (N - 1) / N x bytes
 * through each device's link; at `bandwidthBytesPerS` (one direction) that
 * takes that many bytes / bandwidth. Latency per call (microseconds on
 * NVLink) is not modelled: nothing in a profile measures it.
 * @param layers decoder layers (count)
 * @param tokens tokens of the pass (count: batch x new tokens)
 * @param hidden model width (elements)
 */
export function allReduceCost(gpus: number, layers: number, tokens: number, hidden: number, dtypeBytes: number, bandwidthBytesPerS: number): AllReduceCost {
  const count = gpus > 1 ? 2 * layers : 0;
  const bytesEach = tokens * hidden * dtypeBytes;
  const perCallS = gpus > 1 ? (2 * (gpus - 1) * bytesEach) / gpus / bandwidthBytesPerS : 0;
  return { count, bytesEach, timeS: count * perCallS };
}
