/**
 * Small helpers the architecture files use to describe what a Hugging Face
 * model runs: one factory for nn.Module nodes (Linear, Embedding, norms,
 * activations, containers) and one recorder per module forward for the
 * functional ops it calls (`torch.matmul`, `+`, `softmax` ...), numbered the
 * way the measured trees number them: `<module scope>.<kind>.<index>`, one
 * counter per module over all its functional ops.
 */
import { FLOPS_PER_ELEMENT, embeddingCost, linearCost, matmulCost, pointwiseCost, type PrimitiveCost } from '../features/primitiveCost.js';
import {
  broadcastOperands,
  catOpCost,
  copyOpCost,
  elementwiseOpCost,
  softmaxOpCost,
  type ElementType,
  type Operand,
  type TensorSpec,
} from '../features/tensorOpCost.js';
import { DTYPE_BYTES, type AttentionImplementation, type Dtype, type ModelNode, type NodeType } from '../tree/modelNode.js';
import { primitiveKindOf } from '../tree/primitiveKind.js';
import { TreeNodeBudget } from '../limits/workBudgets.js';

/** Optional node details shared by the factory methods. */
export interface NodeOptions {
  /** Config key that controls this node (for the editor's key-to-node links). */
  configKey?: string;
  /** Input shapes of one call (elements per dim), when the method cannot infer them. */
  inputShapes?: number[][];
}

/**
 * Bytes one weight of a Linear at `scope` occupies when the checkpoint is
 * quantized (0.5 for 4-bit ...), or undefined where weights stay at the
 * compute dtype.
 */
export type QuantizedWeightBytes = (scope: string) => number | undefined;

/** Builds tree nodes for one dtype. All costs are per call (FLOPs, bytes); `calls` starts at 1. */
export class NodeFactory {
  /**
   * Bytes of the weights of nodes whose parameters are not held at the
   * compute dtype (quantized Linears), by scope; every other node's
   * parameters take `dtypeBytes` each.
   */
  readonly quantizedWeightBytes = new Map<string, number>();

  /** How the attention cores are built (see eagerAttention.ts); `eager` unless a generation phase or the user says otherwise. */
  attention: AttentionImplementation = 'eager';

  /** True when each self-attention writes its new keys and values into a KV cache (prefill and decode trees). */
  kvCache = false;

  /**
   * @param dtype compute dtype of activations and (unquantized) weights
   * @param quantized bytes per weight of quantized Linears (quantization_config), if any
   * @param budget counts every node made against the shared tree node limit
   */
  constructor(
    readonly dtype: Dtype,
    private readonly quantized?: QuantizedWeightBytes,
    readonly budget: TreeNodeBudget = new TreeNodeBudget('config'),
  ) {}

  /** Bytes per element of the compute dtype (bytes). */
  get dtypeBytes(): number {
    return DTYPE_BYTES[this.dtype];
  }

  private node(
    scope: string,
    type: NodeType,
    instanceType: string,
    inputShapes: number[][],
    cost: PrimitiveCost,
    children: ModelNode[],
    configKey: string | undefined,
  ): ModelNode {
    this.budget.take();
    const node: ModelNode = {
      scope,
      type,
      instanceType,
      inputShapes,
      dtype: this.dtype,
      calls: 1,
      parameters: cost.parameters,
      flops: cost.flops,
      memBytes: cost.memBytes,
      children,
    };
    if (type === 'ml') node.kind = primitiveKindOf(instanceType);
    if (configKey !== undefined) node.source = { configKey };
    return node;
  }

  /** The model root (type `model`); totals are filled later by `rollUpTotals`. */
  model(instanceType: string, children: ModelNode[], opts: NodeOptions = {}): ModelNode {
    return this.node('root', 'model', instanceType, opts.inputShapes ?? [], ZERO, children, opts.configKey);
  }

  /** An nn.Module with children; totals are filled later by `rollUpTotals`. */
  module(scope: string, instanceType: string, children: ModelNode[], opts: NodeOptions = {}): ModelNode {
    return this.node(scope, 'module', instanceType, opts.inputShapes ?? [], ZERO, children, opts.configKey);
  }

  /** A leaf primitive with an explicit cost. */
  leaf(scope: string, instanceType: string, inputShapes: number[][], cost: PrimitiveCost, opts: NodeOptions = {}): ModelNode {
    return this.node(scope, 'ml', instanceType, inputShapes, cost, [], opts.configKey);
  }

  /**
   * nn.Linear (or GPT-2's Conv1D via `instanceType`) on input `inShape` (..., in).
   * A quantized checkpoint's weight matrix is read at its own width (the bias stays at the compute dtype).
   */
  linear(scope: string, inShape: number[], outFeatures: number, bias: boolean, opts: NodeOptions & { instanceType?: string } = {}): ModelNode {
    const cost = linearCost(inShape, outFeatures, bias, this.dtype);
    const weights = (inShape[inShape.length - 1] ?? 1) * outFeatures;
    cost.memBytes += this.quantize(scope, weights, cost.parameters);
    return this.leaf(scope, opts.instanceType ?? 'Linear', [inShape], cost, opts);
  }

  /**
   * Cost of a product with one expert's slice of a 3D expert weight
   * (transformers 5 `F.linear(x, self.gate_up_proj[e])`) on `tokens` rows,
   * one call per expert run. The node carries the parameters of all
   * `experts` slices (the experts module holds them as one tensor); a call
   * reads one slice.
   * @param scope the op's scope (for quantization)
   * @param tokens rows per call (count; a fraction under balanced routing)
   * @param bias whether a per-expert bias row is added (gpt-oss)
   */
  expertLinearCost(scope: string, tokens: number, inFeatures: number, outFeatures: number, experts: number, bias: boolean): PrimitiveCost {
    const b = this.dtypeBytes;
    const slice = inFeatures * outFeatures + (bias ? outFeatures : 0);
    const cost: PrimitiveCost = {
      flops: 2 * tokens * inFeatures * outFeatures,
      memBytes: (tokens * inFeatures + tokens * outFeatures + slice) * b,
      parameters: experts * slice,
    };
    cost.memBytes += this.quantize(scope, inFeatures * outFeatures, cost.parameters, experts * inFeatures * outFeatures);
    return cost;
  }

  /**
   * The change in bytes of one call when `weights` of a node's parameters are
   * quantized, recording the node's weight bytes; 0 when not quantized.
   * @param weightsHeld weights the node holds in all (defaults to `weights`, those one call reads)
   */
  private quantize(scope: string, weights: number, parameters: number, weightsHeld = weights): number {
    const q = this.quantized?.(scope);
    if (q === undefined) return 0;
    const b = this.dtypeBytes;
    this.quantizedWeightBytes.set(scope, weightsHeld * q + (parameters - weightsHeld) * b);
    return weights * (q - b);
  }

  /** nn.Embedding of a (rows x dim) table looked up with int64 ids of `idShape`. */
  embedding(scope: string, idShape: number[], rows: number, dim: number, opts: NodeOptions = {}): ModelNode {
    return this.leaf(scope, 'Embedding', [idShape], embeddingCost(idShape, rows, dim, this.dtype), opts);
  }

  /** nn.LayerNorm over the last dim of `shape` (weight + bias, or weight only with `bias: false`, ModernBERT's). */
  layerNorm(scope: string, shape: number[], opts: NodeOptions & { bias?: boolean } = {}): ModelNode {
    const dim = shape[shape.length - 1] ?? 1;
    return this.leaf(scope, 'LayerNorm', [shape], pointwiseCost(shape, FLOPS_PER_ELEMENT.layernorm, this.dtype, opts.bias === false ? dim : 2 * dim), opts);
  }

  /** An RMSNorm (weight only), e.g. `LlamaRMSNorm`. */
  rmsNorm(scope: string, instanceType: string, shape: number[], opts: NodeOptions = {}): ModelNode {
    const dim = shape[shape.length - 1] ?? 1;
    return this.leaf(scope, instanceType, [shape], pointwiseCost(shape, FLOPS_PER_ELEMENT.rmsnorm, this.dtype, dim), opts);
  }

  /** An activation module (GELUActivation, Tanh ...) applied to `shape`. */
  activation(scope: string, instanceType: string, shape: number[], flopsPerElement: number, opts: NodeOptions = {}): ModelNode {
    return this.leaf(scope, instanceType, [shape], pointwiseCost(shape, flopsPerElement, this.dtype), opts);
  }

  /** A recorder for the functional ops of the module at `scope`. */
  ops(scope: string): OpRecorder {
    return new OpRecorder(this, scope);
  }

  /** A tensor of the compute dtype. */
  t(shape: number[]): TensorSpec {
    return { shape, type: this.dtype };
  }
}

const ZERO: PrimitiveCost = { flops: 0, memBytes: 0, parameters: 0 };

/**
 * Functional ops called in one module's forward, in call order. Each gets the
 * next index of this module's counter, as in the measured trees
 * (`attention.self.matmul.0`, `attention.self.mul.1`, `attention.self.softmax.2`).
 */
export class OpRecorder {
  readonly nodes: ModelNode[] = [];
  private index = 0;

  constructor(
    private readonly f: NodeFactory,
    private readonly scope: string,
  ) {}

  private push(kind: string, inputShapes: number[][], cost: PrimitiveCost): ModelNode {
    const node = this.f.leaf(`${this.scope}.${kind}.${this.index++}`, kind, inputShapes, cost);
    this.nodes.push(node);
    return node;
  }

  /** `F.linear` with one expert's weight slice (see NodeFactory.expertLinearCost), on (tokens, in) rows. */
  expertLinear(tokens: number, inFeatures: number, outFeatures: number, experts: number, bias: boolean): ModelNode {
    const cost = this.f.expertLinearCost(`${this.scope}.linear.${this.index}`, tokens, inFeatures, outFeatures, experts, bias);
    return this.push('linear', [[tokens, inFeatures]], cost);
  }

  /** An op whose cost the caller works out (torch.topk, baddbmm ...). */
  custom(kind: string, inputShapes: number[][], cost: PrimitiveCost): ModelNode {
    return this.push(kind, inputShapes, cost);
  }

  /** torch.matmul of two activations of the compute dtype. */
  matmul(a: number[], b: number[]): ModelNode {
    return this.push('matmul', [a, b], matmulCost(a, b, this.f.dtype));
  }

  /**
   * An element-wise op (`add`, `mul`, `div`, `sub`, `neg`, `where`, or a
   * `cast` with two tensor inputs such as `type_as`); the output type
   * defaults to the compute dtype.
   */
  elementwise(kind: string, inputs: Operand[], outType: ElementType = this.f.dtype, flopsPerElement = 1): ModelNode {
    const shapes = inputs.filter((i): i is TensorSpec => i !== 'scalar').map((i) => [...i.shape]);
    return this.push(kind, shapes, elementwiseOpCost(inputs, outType, flopsPerElement));
  }

  /** Softmax over the last dim of a compute-dtype tensor, producing `outType`. */
  softmax(shape: number[], outType: ElementType = this.f.dtype): ModelNode {
    return this.push('softmax', [shape], softmaxOpCost(this.f.t(shape), outType, FLOPS_PER_ELEMENT.softmax));
  }

  /** `.contiguous()` that copies a compute-dtype tensor. */
  contiguous(shape: number[]): ModelNode {
    return this.push('contiguous', [shape], copyOpCost(this.f.t(shape)));
  }

  /** `.to(...)` / `.int()` / `.long()`: a copy of `input` into `outType`. */
  cast(input: TensorSpec, outType: ElementType = input.type): ModelNode {
    return this.push('cast', [[...input.shape]], copyOpCost(input, outType));
  }

  /** torch.cat of compute-dtype tensors. */
  cat(shapes: number[][]): ModelNode {
    return this.push('cat', shapes, catOpCost(shapes.map((s) => this.f.t(s))));
  }
}

/**
 * One module called several times per forward with different inputs
 * (DeBERTa's query_proj on the hidden states and on the relative
 * embeddings): a single node, as the measuring hooks see it, with `calls`
 * = the number of calls and the per-call cost averaged so that calls x cost
 * is the exact total. Parameters count once; input shapes are the first call's.
 */
export function mergeCalls(first: ModelNode, ...more: ModelNode[]): ModelNode {
  const all = [first, ...more];
  const calls = all.reduce((s, n) => s + n.calls, 0);
  return {
    ...first,
    calls,
    flops: all.reduce((s, n) => s + n.flops * n.calls, 0) / calls,
    memBytes: all.reduce((s, n) => s + n.memBytes * n.calls, 0) / calls,
  };
}

/** Multiplies `calls` of a subtree by `factor` (a module run several times per forward, e.g. ALBERT's shared layer group). */
export function scaleCalls(node: ModelNode, factor: number): void {
  node.calls *= factor;
  for (const c of node.children) scaleCalls(c, factor);
}

/** The broadcast output shape of some operands (re-exported for architecture files). */
export { broadcastOperands };
