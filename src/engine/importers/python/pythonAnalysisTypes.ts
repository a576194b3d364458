/**
 * The plain data an analysis of a Python file produces: classes, the layers
 * and functional ops written in them, syntax errors and what stayed
 * unresolved. Kept apart from the analyzer so that the evaluator and the
 * tree builder depend on the data, not on the parser.
 */
import type { TreeFragment, Tree } from '@lezer/common';
import type { PyExpr, PyFunction, SourceRange } from './pyAst.js';

/** A layer a model class owns: an attribute assigned a module in `__init__`. */
export interface PythonLayer {
  /** Attribute path below the owning class: `query`, `layers`, `mlp.0` (Sequential items), `heads.key` (ModuleDict). */
  path: string;
  /** Class of the layer as written, resolved to its short name: `Linear`, `ModuleList`, `BertSelfAttention`. */
  layerType: string;
  /** `torch`: a torch.nn (or transformers) primitive; `container`: ModuleList/Sequential/ModuleDict; `model`: another model class; `activation`: ACT2FN-style lookup. */
  category: 'torch' | 'container' | 'model' | 'activation';
  /** The assignment statement (or the container item) in the source. */
  range: SourceRange;
  /** True when assigned under an `if`/`for`/`with` in `__init__`. */
  conditional: boolean;
  /** For containers: their items (a comprehension counts as one item repeated `repeat` times). */
  items?: PythonLayer[];
  /** For comprehension items: the `range(...)` argument as written (`config.n_layer`). */
  repeat?: string;
}

/** A functional primitive called in a method (`torch.matmul`, `@`, `F.softmax`, `x.softmax`, `+` ...). */
export interface PythonFunctionalOp {
  /** Normalised op name as the trees write it: `matmul`, `softmax`, `add`, `gelu`, `scaled_dot_product_attention`. */
  op: string;
  /** The callee or operator as written: `torch.matmul`, `@`, `F.softmax`. */
  callee: string;
  /** Method it appears in (`forward`, or a helper such as `_attn`). */
  method: string;
  range: SourceRange;
}

/** One class of the file. */
export interface PythonClass {
  name: string;
  /** Whole definition, decorators included. */
  range: SourceRange;
  /** The class name token. */
  nameRange: SourceRange;
  /** Base classes as written (`nn.Module`, `BertPreTrainedModel`). */
  bases: string[];
  decorators: string[];
  /** Derives from nn.Module / PreTrainedModel, directly or through known classes. */
  isModel: boolean;
  /** The chain from this class to the torch/transformers base that made it a model (`['GPT2Block', 'nn.Module']`). */
  modelChain: string[];
  /** Class-level assignments (dataclass fields, class constants). */
  fields: { name: string; value?: PyExpr; annotation?: string; range: SourceRange }[];
  methods: Record<string, PyFunction>;
  /** Layers assigned in `__init__`, in order. */
  layers: PythonLayer[];
  /** Functional primitives called in methods other than `__init__`, in source order. */
  functionalOps: PythonFunctionalOp[];
  /** Base classes that are neither known bases nor classes of the analysed files (their layers are missing). */
  unresolvedBases: string[];
  /**
   * Model classes its `__init__` calls anywhere (in a ModuleDict(dict(...)), a
   * list, a comprehension, a lambda): they are submodules, never the root.
   */
  instantiates?: string[];
}

/** A syntax error lezer recovered from. */
export interface PythonSyntaxError {
  range: SourceRange;
  message: string;
}

/** Something the analysis could not resolve; never fatal. */
export interface PythonUnresolved {
  /** The class it concerns, when any. */
  className?: string;
  /** What is missing, as written in the source (`config.hidden_size`, base `MyBase`). */
  what: string;
  range: SourceRange;
  message: string;
}

/** Result of `analyzePythonModels`: plain data except `parseState`. */
export interface PythonAnalysis {
  /** Text that was analysed. */
  text: string;
  /** File name or URI given by the caller (source links of nodes built from this file). */
  fileName?: string;
  /** Local name -> dotted import path (`nn` -> `torch.nn`, `F` -> `torch.nn.functional`). */
  imports: Record<string, string>;
  /** Module-level assignments, last one wins. */
  constants: Record<string, PyExpr>;
  /** Module-level functions (helpers such as `rotate_half`). */
  functions: Record<string, PyFunction>;
  classes: PythonClass[];
  /** Names of the model classes, in source order. */
  modelClasses: string[];
  syntaxErrors: PythonSyntaxError[];
  unresolved: PythonUnresolved[];
  /** Analyses of other workspace files whose classes may be bases or submodules here. */
  otherFiles: PythonAnalysis[];
  /** Opaque lezer state for the next incremental parse; do not send across threads (drop it first). */
  parseState?: { tree: Tree; fragments: readonly TreeFragment[]; statements?: Map<string, TopLevelPart> };
}

/** What one top-level statement contributes (cached across incremental analyses). */
export interface TopLevelPart {
  imports: Record<string, string>;
  constants: Record<string, PyExpr>;
  functions: Record<string, PyFunction>;
  classes: PythonClass[];
  syntaxErrors: PythonSyntaxError[];
}

