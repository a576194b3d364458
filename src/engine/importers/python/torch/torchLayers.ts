/**
 * torch.nn layers (and the transformers / fairscale layers modelling files
 * use): one handler per layer class that takes the bound constructor
 * arguments and the input and returns the output, the cost of one call
 * (through `features/`) and the parameters the layer owns. The constructor
 * signatures live in `torchCatalog.ts`, next to the names.
 */
import {
  FLOPS_PER_ELEMENT,
  embeddingCost,
  linearCost,
  matmulCost,
  numel,
  pointwiseCost,
  type PrimitiveCost,
} from '../../../features/primitiveCost.js';
import { DTYPE_BYTES } from '../../../tree/modelNode.js';
import type { PrimitiveKind } from '../../../tree/modelNode.js';
import { NONE, ROOT_WIDTH, allKnown, asNumber, firstNum, isSize, knownShape, tensor, truthy, unknown, whyUnknown, type Dim, type ModuleInst, type Value } from '../pythonValue.js';
import { ACTIVATION_LAYERS } from '../torchCatalog.js';
import type { TorchContext } from './torchContext.js';

/** What a layer handler gets: the module, its input and helpers over its bound arguments. */
export interface LayerCall {
  m: ModuleInst;
  /** The first input (`input`, `query` by keyword). */
  x: Value;
  args: Value[];
  /** A copy of the input's shape that the handler may complete (a width learnt from the layer). */
  shape: Dim[] | undefined;
  /** A bound argument as a number. */
  a(name: string): number | undefined;
  /** A required bound argument as a number; when unknown, its reason is added to `missing`. */
  need(name: string): number | undefined;
  /** Names that could not be resolved (the node's `unresolved`). */
  missing: string[];
}

/** What the recorder needs from a layer handler. */
export interface LayerResult {
  out: Value;
  /** Cost of one call; undefined when a shape or argument is unknown. */
  cost?: PrimitiveCost;
  parameters: number;
}

/** The services a layer handler gets beyond a functional op's. */
export interface LayerContext extends TorchContext {
  /** The root input's feature width, learnt from the first layer that reads it (0: it was token ids). */
  noteInferredWidth(x: Value, width: number): void;
}

/** One layer class: its primitive kind in the trees and its handler. */
export interface LayerEntry {
  kind?: PrimitiveKind;
  run(ctx: LayerContext, call: LayerCall): LayerResult;
}

/** Output features = `outF`, input features fixed by `inF` (a width learnt from the layer when the input's is unknown). */
function linearLike(ctx: LayerContext, call: LayerCall, inF: number | undefined, outF: number | undefined, bias: boolean, label: string): LayerResult {
  const { shape, x } = call;
  if (shape && shape.length > 0 && shape[shape.length - 1] === undefined && inF !== undefined) {
    shape[shape.length - 1] = inF;
    ctx.noteInferredWidth(x, inF);
  }
  const mismatch = shape && inF !== undefined && shape[shape.length - 1] !== undefined && shape[shape.length - 1] !== inF;
  if (mismatch) {
    // PyTorch would raise here; the cost of a call that cannot run is unknown, not guessed.
    ctx.warn(`${call.m.scope}: input has ${shape[shape.length - 1]} features but the ${label} expects ${inF}`);
    call.missing.push(`input width ${shape[shape.length - 1]} (expects ${inF})`);
  }
  const parameters = inF !== undefined && outF !== undefined ? inF * outF + (bias ? outF : 0) : 0;
  const s = shape && allKnown(shape) && !mismatch ? shape : undefined;
  const cost = s && outF !== undefined ? linearCost(s, outF, bias, ctx.dtype) : undefined;
  return { out: tensor(shape ? [...shape.slice(0, -1), outF] : undefined, whyUnknown(x) ?? call.missing[0]), ...(cost ? { cost } : {}), parameters };
}

const linear: LayerEntry = {
  kind: 'linear',
  run: (ctx, c) => linearLike(ctx, c, c.need('in_features'), c.need('out_features'), truthy(c.m.args.get('bias') ?? NONE) !== false, c.m.className),
};

const embedding: LayerEntry = {
  kind: 'embedding',
  run: (ctx, c) => {
    let shape = c.shape;
    const x = c.x;
    if (x.t === 'tensor' && x.why?.startsWith(ROOT_WIDTH) && shape && shape.length === 3 && shape[2] === undefined) {
      // The root input goes into an embedding: it is token ids (batch x seq), whatever its name.
      shape = shape.slice(0, 2);
      ctx.noteInferredWidth(x, 0);
    }
    const rows = c.need('num_embeddings');
    const dim = c.need('embedding_dim');
    const parameters = rows !== undefined && dim !== undefined ? rows * dim : 0;
    const s = shape && allKnown(shape) ? shape : undefined;
    const cost = s && rows !== undefined && dim !== undefined ? embeddingCost(s, rows, dim, ctx.dtype) : undefined;
    return { out: tensor(shape ? [...shape, dim] : undefined, whyUnknown(x) ?? c.missing[0]), ...(cost ? { cost } : {}), parameters };
  },
};

function norm(name: 'LayerNorm' | 'RMSNorm' | 'GroupNorm' | 'BatchNorm1d'): LayerEntry {
  return {
    run: (ctx, c) => {
      const { m, shape, x } = c;
      const ns = m.args.get(name === 'GroupNorm' ? 'num_channels' : name === 'BatchNorm1d' ? 'num_features' : 'normalized_shape');
      const dims = (ns?.t === 'seq' ? ns.items.map(asNumber) : [asNumber(ns)]).map((d) => (isSize(d) ? d : undefined));
      const n = dims.every((d) => d !== undefined) ? numel(dims as number[]) : undefined;
      if (n === undefined) c.missing.push(whyUnknown(ns) ?? 'normalized_shape');
      const affine = truthy(m.args.get(name === 'GroupNorm' ? 'affine' : 'elementwise_affine') ?? { t: 'bool', v: true }) !== false;
      const hasBias = name === 'LayerNorm' ? truthy(m.args.get('bias') ?? { t: 'bool', v: true }) !== false : name !== 'RMSNorm';
      const parameters = n !== undefined && affine ? n * (hasBias ? 2 : 1) : 0;
      if (shape && shape.length > 0 && shape[shape.length - 1] === undefined && dims.length === 1 && dims[0] !== undefined && name !== 'GroupNorm') {
        shape[shape.length - 1] = dims[0];
        ctx.noteInferredWidth(x, dims[0]);
      }
      const s = shape && allKnown(shape) ? shape : undefined;
      const per = name === 'RMSNorm' ? FLOPS_PER_ELEMENT.rmsnorm : FLOPS_PER_ELEMENT.layernorm;
      return { out: tensor(shape, whyUnknown(x)), ...(s ? { cost: pointwiseCost(s, per, ctx.dtype, parameters) } : {}), parameters };
    },
  };
}

const softmax: LayerEntry = {
  run: (ctx, c) => {
    const s = c.shape && allKnown(c.shape) ? c.shape : undefined;
    return { out: tensor(c.shape, whyUnknown(c.x)), ...(s ? { cost: pointwiseCost(s, FLOPS_PER_ELEMENT.softmax, ctx.dtype) } : {}), parameters: 0 };
  },
};

const conv1d: LayerEntry = {
  run: (ctx, c) => {
    const { m, shape, x } = c;
    const cin = c.need('in_channels');
    const cout = c.need('out_channels');
    const size = (v: number | undefined): number | undefined => (isSize(v) ? v : undefined);
    const k = size(firstNum(m.args.get('kernel_size')));
    const stride = size(firstNum(m.args.get('stride'))) || 1;
    const pad = size(firstNum(m.args.get('padding'))) ?? 0;
    const dil = size(firstNum(m.args.get('dilation'))) || 1;
    const groups = c.a('groups') || 1;
    const bias = truthy(m.args.get('bias') ?? NONE) !== false;
    if (k === undefined) c.missing.push(whyUnknown(m.args.get('kernel_size')) ?? 'kernel_size');
    const parameters = cin !== undefined && cout !== undefined && k !== undefined ? (cout * cin * k) / groups + (bias ? cout : 0) : 0;
    const L = shape?.[shape.length - 1];
    const lout = L !== undefined && k !== undefined ? Math.floor((L + 2 * pad - dil * (k - 1) - 1) / stride + 1) : undefined;
    const outShape = shape ? [...shape.slice(0, -2), cout, lout] : undefined;
    let cost: PrimitiveCost | undefined;
    if (shape && allKnown(shape) && outShape && allKnown(outShape) && cin !== undefined && k !== undefined) {
      const outN = numel(outShape);
      cost = { flops: (2 * outN * cin * k) / groups, memBytes: (numel(shape) + outN + parameters) * DTYPE_BYTES[ctx.dtype], parameters };
    }
    return { out: tensor(outShape, whyUnknown(x) ?? c.missing[0]), ...(cost ? { cost } : {}), parameters };
  },
};

const multiheadAttention: LayerEntry = {
  run: (ctx, c) => {
    const { m, shape: q, x } = c;
    const E = c.need('embed_dim');
    const H = c.need('num_heads');
    const batchFirst = truthy(m.args.get('batch_first') ?? NONE) === true;
    const kv = knownShape(c.args[1]) ?? (q && allKnown(q) ? q : undefined);
    const parameters = E !== undefined ? 4 * E * E + 4 * E : 0;
    if (q && allKnown(q) && kv && E !== undefined && H !== undefined) {
      const dtype = ctx.dtype;
      const [B, L] = batchFirst ? [q[0]!, q[1]!] : [q[1]!, q[0]!];
      const S = batchFirst ? kv[1]! : kv[0]!;
      const proj = linearCost([B * L, E], E, true, dtype);
      const projKv = linearCost([B * S, E], E, true, dtype);
      const scores = matmulCost([B, H, L, E / H], [B, H, E / H, S], dtype);
      const soft = pointwiseCost([B, H, L, S], FLOPS_PER_ELEMENT.softmax, dtype);
      const ctxm = matmulCost([B, H, L, S], [B, H, S, E / H], dtype);
      const cost = {
        flops: 2 * proj.flops + 2 * projKv.flops + scores.flops + soft.flops + ctxm.flops,
        memBytes: 2 * proj.memBytes + 2 * projKv.memBytes + scores.memBytes + soft.memBytes + ctxm.memBytes,
        parameters,
      };
      return { out: { t: 'seq', kind: 'tuple', items: [tensor(q), tensor([B, L, S])] }, cost, parameters };
    }
    return { out: { t: 'seq', kind: 'tuple', items: [tensor(q, whyUnknown(x) ?? c.missing[0]), unknown('attention weights')] }, parameters };
  },
};

const activation: LayerEntry = {
  run: (ctx, c) => {
    const act = ACTIVATION_LAYERS[c.m.className] ?? 'gelu';
    const s = c.shape && allKnown(c.shape) ? c.shape : undefined;
    return { out: tensor(c.shape, whyUnknown(c.x)), ...(s ? { cost: pointwiseCost(s, FLOPS_PER_ELEMENT[act], ctx.dtype) } : {}), parameters: 0 };
  },
};

/** Layer handlers by class name. */
export const LAYERS: Readonly<Record<string, LayerEntry>> = {
  Linear: linear,
  LazyLinear: { kind: 'linear', run: (ctx, c) => linearLike(ctx, c, c.shape?.[c.shape.length - 1], c.need('out_features'), truthy(c.m.args.get('bias') ?? NONE) !== false, 'LazyLinear') },
  // transformers' GPT-2 Conv1D: a transposed Linear (nf = out, nx = in), always with a bias.
  Conv1D: { kind: 'linear', run: (ctx, c) => linearLike(ctx, c, c.need('nx'), c.need('nf'), true, 'Conv1D') },
  // fairscale's model-parallel layers compute what their single-device counterparts compute.
  ColumnParallelLinear: linear,
  RowParallelLinear: linear,
  Embedding: embedding,
  ParallelEmbedding: embedding,
  VocabParallelEmbedding: embedding,
  LayerNorm: norm('LayerNorm'),
  RMSNorm: norm('RMSNorm'),
  GroupNorm: norm('GroupNorm'),
  BatchNorm1d: norm('BatchNorm1d'),
  Softmax: softmax,
  LogSoftmax: softmax,
  Conv1d: conv1d,
  MultiheadAttention: multiheadAttention,
};

/** The handler of a layer class (activations share one); undefined when it is not modelled. */
export function layerEntry(className: string): LayerEntry | undefined {
  if (Object.hasOwn(LAYERS, className)) return LAYERS[className];
  if (Object.hasOwn(ACTIVATION_LAYERS, className)) return activation;
  return undefined;
}
