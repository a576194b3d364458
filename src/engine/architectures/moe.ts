/**
 * Mixture-of-experts parts (Mixtral, Qwen2-MoE, Qwen3-MoE, gpt-oss,
 * DeepSeek-V3) in transformers 5's layout: a router module (`gate` /
 * `router`) holding the (experts x hidden) weight it applies with F.linear,
 * and one experts module holding every expert's weights as 3D tensors,
 * whose forward loops over the experts that received tokens.
 *
 * Routing assumption (balanced top-k): the N tokens of a forward pick k
 * experts each and spread evenly, so min(E, N x k) experts run, each on
 * N x k / that many tokens (N x k / E when every expert is hit). Which
 * experts a real batch picks depends on the data; the balanced split is
 * what the router's load-balancing loss trains for.
 *
 * In the tree the experts' ops have `calls` = experts run and per-call
 * shapes of the tokens one expert sees (a fraction when N x k / E is not
 * whole), so FLOPs and bytes are those of the active experts only. The
 * parameters count every expert: the op nodes that read an expert's slice
 * carry the whole 3D tensor's parameters (the experts module owns them), so
 * the memory to hold the model counts all experts.
 */
import type { ActivationSpec } from './activations.js';
import type { BuildContext } from './architecture.js';
import type { ConfigReader } from './configReader.js';
import type { ModelNode } from '../tree/modelNode.js';
import { scaleCalls } from './treeBuilder.js';
import { InvalidInputError } from '../errors.js';

/** How many experts run and how many tokens each sees, under balanced top-k routing. */
export interface BalancedRouting {
  /** Experts that receive tokens in one forward (count). */
  expertsRun: number;
  /** Tokens each of them processes (count; may be fractional). */
  tokensPerExpert: number;
}

/** Balanced top-k routing of `tokens` tokens over `experts` experts, `topK` each. */
export function balancedRouting(tokens: number, topK: number, experts: number): BalancedRouting {
  const pairs = tokens * topK;
  const expertsRun = Math.min(experts, pairs);
  return { expertsRun, tokensPerExpert: pairs / expertsRun };
}

/** Sizes of a routed-experts block. */
export interface ExpertsSpec {
  /** Experts module class (`MixtralExperts`). */
  className: string;
  experts: number;
  topK: number;
  hidden: number;
  /** Per-expert intermediate size. */
  intermediate: number;
  /** SwiGLU experts with ACT2FN (Mixtral, Qwen, DeepSeek), or gpt-oss's clamped GLU with biases. */
  style: { kind: 'glu'; act: ActivationSpec } | { kind: 'gpt-oss' };
}

/**
 * The experts module on the (N, hidden) flattened tokens. Adds its routed
 * parameters to `ctx.moe` (all experts, and the share one token runs).
 */
export function routedExperts(ctx: BuildContext, scope: string, e: ExpertsSpec): ModelNode {
  const { f } = ctx;
  const N = ctx.batchSize * ctx.seqLen;
  const { expertsRun, tokensPerExpert: t } = balancedRouting(N, e.topK, e.experts);
  const { hidden: H, intermediate: I } = e;
  const ops = f.ops(scope);
  const children: ModelNode[] = [];
  const gpt = e.style.kind === 'gpt-oss';
  ops.expertLinear(t, H, 2 * I, e.experts, gpt);
  if (e.style.kind === 'glu') {
    children.push(f.activation(`${scope}.act_fn`, e.style.act.instanceType, [t, I], e.style.act.flopsPerElement, { configKey: 'hidden_act' }));
    ops.elementwise('mul', [f.t([t, I]), f.t([t, I])]);
  } else {
    // gate.clamp(max=limit), up.clamp(-limit, limit), gate * sigmoid(gate * alpha), (up + 1) * glu
    ops.elementwise('clamp', [f.t([t, I])]);
    ops.elementwise('clamp', [f.t([t, I])]);
    ops.elementwise('mul', [f.t([t, I]), 'scalar']);
    ops.elementwise('sigmoid', [f.t([t, I])], f.dtype, 4);
    ops.elementwise('mul', [f.t([t, I]), f.t([t, I])]);
    ops.elementwise('add', [f.t([t, I]), 'scalar']);
    ops.elementwise('mul', [f.t([t, I]), f.t([t, I])]);
  }
  ops.expertLinear(t, I, H, e.experts, gpt);
  ops.elementwise('mul', [f.t([t, H]), f.t([t, 1])]);
  // final.index_add_(0, token_idx, out): reads the accumulator, adds t rows, writes them back
  ops.custom('index_add', [[N, H], [t, H]], { flops: t * H, memBytes: 3 * t * H * f.dtypeBytes + t * 8, parameters: 0 });
  const node = f.module(scope, e.className, [...children, ...ops.nodes], { configKey: 'num_experts_per_tok', inputShapes: [[N, H]] });
  // The module's forward runs once; everything inside runs once per expert that got tokens.
  for (const c of node.children) scaleCalls(c, expertsRun);
  const routed = node.children.reduce((s, c) => s + c.parameters, 0);
  ctx.moe.routedParameters += routed;
  ctx.moe.activeRoutedParameters += (routed * e.topK) / e.experts;
  return node;
}

/** A top-k router (`MixtralTopKRouter` ...): F.linear to one logit per expert, then the selection. */
export interface RouterSpec {
  className: string;
  experts: number;
  topK: number;
  hidden: number;
  /** Router bias (gpt-oss). */
  bias: boolean;
  /**
   * What follows the logits: `softmax-topk` (Mixtral, Qwen: softmax over all
   * experts, top-k, renormalised when `normalize`), `topk-softmax` (gpt-oss:
   * top-k logits, softmax over them), `logits` (DeepSeek: the router returns
   * logits; the MoE block scores them).
   */
  selection: 'softmax-topk' | 'topk-softmax' | 'logits';
  normalize?: boolean;
  /** Qwen's routers cast the selected weights back (`.to(router_logits.dtype)`). */
  castBack?: boolean;
  /** DeepSeek computes the router in float32: the tokens and the weight are cast first. */
  fp32?: boolean;
}

/** The router module on the (N, hidden) tokens; its weight is carried by its F.linear op. */
export function topKRouter(ctx: BuildContext, scope: string, r: RouterSpec): ModelNode {
  const { f } = ctx;
  const N = ctx.batchSize * ctx.seqLen;
  const ops = f.ops(scope);
  const E = r.experts;
  if (r.fp32) {
    ops.cast(f.t([N, r.hidden]), 'fp32');
    ops.cast(f.t([E, r.hidden]), 'fp32');
  }
  const wBytes = r.fp32 ? 4 : f.dtypeBytes;
  const params = E * r.hidden + (r.bias ? E : 0);
  ops.custom('linear', [[N, r.hidden]], { flops: 2 * N * r.hidden * E, memBytes: (N * r.hidden + N * E + params) * wBytes, parameters: params });
  if (r.selection === 'softmax-topk') {
    ops.softmax([N, E], 'fp32');
    ops.custom('topk', [[N, E]], topkCost(N, E, r.topK, 4));
    if (r.normalize) ops.elementwise('div', [{ shape: [N, r.topK], type: 'fp32' }, { shape: [N, 1], type: 'fp32' }], 'fp32');
    if (r.castBack) ops.cast({ shape: [N, r.topK], type: 'fp32' });
  } else if (r.selection === 'topk-softmax') {
    ops.custom('topk', [[N, E]], topkCost(N, E, r.topK, f.dtypeBytes));
    ops.softmax([N, r.topK]);
  }
  return f.module(scope, r.className, ops.nodes, { configKey: 'num_experts_per_tok', inputShapes: [[N, r.hidden]] });
}

/** torch.topk over the last dim of (rows, n): about one comparison per element; reads the scores, writes k values and int64 indices. */
export function topkCost(rows: number, n: number, k: number, bytes: number): { flops: number; memBytes: number; parameters: number } {
  return { flops: rows * n, memBytes: rows * n * bytes + rows * k * (bytes + 8), parameters: 0 };
}

/**
 * Reads the number of experts and of experts per token (validated), and
 * states the routing assumption in the tree's warnings.
 * @param warn false for a config whose layers are all dense (DeepSeek with first_k_dense_replace >= layers)
 */
export function readExperts(
  cfg: ConfigReader,
  ctx: BuildContext,
  experts: { keys: string | readonly string[]; fallback: number },
  topK: { keys: string | readonly string[]; fallback: number },
  warn = true,
): { experts: number; topK: number } {
  const e = cfg.int(experts.keys, experts.fallback);
  const k = cfg.int(topK.keys, topK.fallback);
  const name = (keys: string | readonly string[]) => cfg.keyOf(keys) ?? (typeof keys === 'string' ? keys : keys[0]!);
  if (k > e) throw new InvalidInputError(`${cfg.context}: "${name(topK.keys)}" (${k}) is larger than "${name(experts.keys)}" (${e})`);
  if (warn) moeWarning(cfg, ctx, e, k);
  return { experts: e, topK: k };
}

/** The tree warning that states the routing assumption (once per model). */
export function moeWarning(cfg: ConfigReader, ctx: BuildContext, experts: number, topK: number): void {
  const N = ctx.batchSize * ctx.seqLen;
  const r = balancedRouting(N, topK, experts);
  cfg.warnings.push(
    `${cfg.context}: mixture of experts: balanced top-${topK} routing assumed (each expert gets tokens x ${topK} / ${experts}; here ${r.expertsRun} of ${experts} experts run on ${+r.tokensPerExpert.toFixed(2)} tokens each per layer); FLOPs and bytes count the active experts only, parameters (and the memory to hold them) count all ${experts}`,
  );
}
