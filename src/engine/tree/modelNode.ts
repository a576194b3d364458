/**
 * The model tree: the one data structure every importer produces and the
 * predictor consumes. Nodes mirror what PyTorch runs: the model (root), its
 * nn.Modules that have children, and ML primitives (leaf nn.Modules such as
 * Linear, and functional ops such as matmul or softmax called in a forward).
 */

/** Level of a node in the IrEne hierarchy. */
export type NodeType = 'model' | 'module' | 'ml';

/** Floating-point formats a prediction can be made for. */
export type Dtype = 'fp32' | 'fp16' | 'bf16';

/** All dtypes, in the order the UI offers them. */
export const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'bf16'];

/**
 * How attention runs: `eager` (explicit matmul, softmax, matmul, with the
 * B x heads x q x kv scores in memory) or `sdpa` (one fused kernel,
 * `torch.nn.functional.scaled_dot_product_attention` / flash attention: the
 * same FLOPs, no score tensor in memory).
 */
export type AttentionImplementation = 'eager' | 'sdpa';

/** All attention implementations. */
export const ATTENTION_IMPLEMENTATIONS: readonly AttentionImplementation[] = ['eager', 'sdpa'];

/**
 * Which pass a tree describes: `forward` (AutoModel over the whole sequence,
 * no cache, no head: what IrEne has always predicted), `prefill` (the prompt's
 * forward pass that fills the KV cache, plus the LM head on the last
 * position), `decode` (one generation step: one new token per sequence
 * against a KV cache, plus the LM head).
 */
export type Phase = 'forward' | 'prefill' | 'decode';

/** All phases. */
export const PHASES: readonly Phase[] = ['forward', 'prefill', 'decode'];

/** Bytes per element of each dtype (bytes). */
export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { fp32: 4, fp16: 2, bf16: 2 };

/**
 * Normalised primitive kinds. Importers map their own operator names onto
 * these so that a Linear from a config, a Gemm from ONNX and an nn.Linear
 * from Python source share one regression.
 */
export type PrimitiveKind =
  | 'linear' // nn.Linear, Conv1D (GPT-2), MatMul/Gemm with a weight
  | 'matmul' // product of two activations (attention scores, context)
  | 'softmax'
  | 'layernorm'
  | 'rmsnorm'
  | 'embedding'
  | 'activation' // gelu, tanh, silu, relu, sigmoid ...
  | 'elementwise' // add, mul, div, sub, neg, where, pow, sqrt ...
  | 'rotary' // rotary position embedding tables
  | 'conv'
  | 'memory' // cat, contiguous, cast, transpose that copies: moves bytes, no FLOPs
  | 'other';

/** Where a node comes from, so that the editor can reveal it. */
export interface SourceRef {
  /** File the node was read from (absolute path or URI string), when known. */
  file?: string;
  /** 0-based line in that file. */
  line?: number;
  /** 0-based column in that file. */
  column?: number;
  /** Dotted JSON key in a config.json that controls this node (e.g. `num_hidden_layers`). */
  configKey?: string;
  /** Names of the ONNX graph nodes folded into this tree node. */
  onnxNodes?: string[];
}

/** Runtime columns measured while a node ran (training data only: they leak the answer). */
export interface RuntimeFeatures {
  cpu?: number;
  mem?: number;
  gpu?: number;
  gpuMem?: number;
  gpuClk?: number;
  gpuMemClk?: number;
  /** Seconds per call. */
  timesMean?: number;
  /** GPU-only software energy reading (joules per call). */
  gpuEnergyMean?: number;
}

/** Ground truth of a node, present on training trees. */
export interface MeasuredEnergy {
  /** Energy of one call of the node (joules). */
  energyJ: number;
  runtime?: RuntimeFeatures;
}

/** One node of the model tree. */
export interface ModelNode {
  /** Dotted module path from the root: `root`, `root.encoder.layer.0.attention.self`, `root.h.0.attn.matmul.0`. */
  scope: string;
  type: NodeType;
  /** Python class name (`BertLayer`, `Linear`) or functional op kind (`matmul`, `softmax`). */
  instanceType: string;
  /** Normalised primitive kind; set on `ml` nodes. */
  kind?: PrimitiveKind;
  /** Shapes of the tensor inputs of one call (elements per dim). */
  inputShapes: number[][];
  dtype: Dtype;
  /** Times this node runs in one forward pass of the whole model (>= 1; ALBERT's shared layer runs N times). */
  calls: number;
  /** Parameters owned by the node and its descendants (count). */
  parameters: number;
  /** Floating-point operations of one call (FLOPs, 2 per multiply-add). */
  flops: number;
  /** Bytes touched by one call: inputs + outputs + parameters (bytes). */
  memBytes: number;
  children: ModelNode[];
  source?: SourceRef;
  measured?: MeasuredEnergy;
  /**
   * What the importer could not resolve for this node, as written in the
   * source (`config.hidden_size`); its flops/memBytes/parameters are then
   * incomplete (0 where nothing was known), never guessed.
   */
  unresolved?: string[];
}

/**
 * Where the model classes of a source file are defined (0-based line and
 * column of each class name), so an editor can anchor lenses there without
 * parsing the file again. Python sources only.
 */
export interface ModelSourceOutline {
  classes: { name: string; line: number; column: number }[];
}

/** A whole model tree plus the context every node shares. */
export interface ModelTree {
  /** Display name (HF `_name_or_path`, file name, or the measured model name). */
  modelName: string;
  /** Which importer built it (`hf-config`, `onnx`, `python`, `irene-csv`, `irene-jsonl`). */
  format: string;
  batchSize: number;
  seqLen: number;
  dtype: Dtype;
  root: ModelNode;
  /** Things the importer did not understand or had to assume; never fatal. */
  warnings: string[];
  /** Measured whole-model energy (joules per inference) when the tree is training data. */
  measuredModelEnergyJ?: number;
  /** Measured whole-model time (seconds per inference) when the tree is training data. */
  measuredModelTimeS?: number;
  /** Model classes of the source file and their lines (Python importer). */
  outline?: ModelSourceOutline;
  /** Target tokens per sequence the decoder of an encoder-decoder ran over (count); absent for other models. */
  targetLen?: number;
  /**
   * Parameters one token runs through in a mixture of experts (count): the
   * dense parameters plus top-k / experts of the routed experts'. Absent for
   * dense models, whose every parameter is active.
   */
  activeParameters?: number;
  /**
   * Bytes to hold every parameter at its stored width (bytes): the compute
   * dtype, or the bit width of a quantized checkpoint's Linears (all experts
   * of a mixture of experts included). What a memory fit needs.
   */
  weightBytes?: number;
  /** What the checkpoint's weight files declare, when the importer was given their headers. */
  weights?: WeightFilesSummary;
  /** The pass the tree describes; absent means `forward`. */
  phase?: Phase;
  /**
   * Key/value positions a decode step attends over (tokens: the cache, the new token included);
   * decode trees, and measured prefill trees (their prompt: what they leave in the cache).
   */
  context?: number;
  /** How attention runs in this tree; absent for trees whose importer does not model it. */
  attention?: AttentionImplementation;
}

/** A checkpoint's weights as its safetensors headers declare them (no tensor data read). */
export interface WeightFilesSummary {
  /** Weight files read (names as given). */
  files: string[];
  /** Parameters the headers declare, head and buffers excluded (count; packed quantized tensors unpacked). */
  parameters: number;
  /** Parameters of tensors that belong to a head AutoModel does not build (lm_head ...), not compared (count). */
  headParameters: number;
  /** Float dtype holding most of the weight bytes (`bf16`, `fp16`, `fp32`, `fp8`), if any. */
  dtype?: string;
  /** Bytes of tensor data per safetensors dtype (`BF16`, `I32` ...) (bytes). */
  bytesByDtype: Record<string, number>;
}

/**
 * Per-node result of a prediction.
 *
 * Two figures per node, because a part measured on its own costs more than
 * its share of the whole (launch latency and idle power overlap when the
 * model runs end to end): `isolatedEnergyJ` is IrEne's per-node prediction,
 * the node run by itself; `energyJ` is the node's part of the model's
 * predicted energy, splitting each parent by its children's weighted
 * contributions, so that children add up to their parent and the root's
 * figure is the model's.
 */
export interface PredictedNode {
  node: ModelNode;
  /** This node's part of one call's energy in the model (joules) = energyJ / calls. */
  energyPerCallJ: number;
  /** This node's part of the model's energy per inference, all calls (joules). */
  energyJ: number;
  /** Predicted energy of all its calls per inference if the node were run on its own (joules). */
  isolatedEnergyJ: number;
  /** One-sigma uncertainty of `energyJ` (joules). */
  uncertaintyJ: number;
  /** Fraction of the model's energy (0..1) = energyJ / model energyJ. */
  share: number;
  /** This node's part of the model's predicted time per inference, all calls (seconds); children add up to their parent. */
  timeS: number;
  /** Static part of `energyJ`: idle power x `timeS` (joules). */
  staticJ: number;
  /** Dynamic part of `energyJ`: the work above idle (joules); staticJ + dynamicJ = energyJ. */
  dynamicJ: number;
  /** What bounds the node inside a forward pass. */
  regime: Regime;
  children: PredictedNode[];
}

/**
 * What sets a node's pace: `launch` when the CPU issuing kernels is slower
 * than the GPU running them (small inputs in eager PyTorch), else `memory` or
 * `compute`, whichever of memory traffic and arithmetic takes the GPU longer.
 */
export type Regime = 'launch' | 'memory' | 'compute';
