/**
 * The seam between the Python evaluator and torch, in the spirit of
 * PyTorch's `__torch_function__`: the evaluator knows Python only, and hands
 * every call of a library path, every method and operator on a tensor and
 * every call of a module to this interface. The torch runtime implements it;
 * neither side imports the other.
 */
import type { PyFunction, SourceRange } from './pyAst.js';
import type { PythonAnalysis } from './pythonAnalysisTypes.js';
import type { ClassRef, ModuleInst, SubItem, Value } from './pythonValue.js';

type TensorValue = Extract<Value, { t: 'tensor' }>;

/** A call site as the torch side needs it. */
export interface CallSite {
  /** The callee as written (`nn.Linear`, `torch.zeros`), for messages and unknown dims. */
  text: string;
  range: SourceRange;
  /** The file the call is written in (its imports decide what a name means). */
  file: PythonAnalysis;
}

/** What the evaluator asks torch. */
export interface TorchDispatch {
  /** `module(*args, **kwargs)`: runs the layer, the container or the user module's forward. */
  callModule(m: ModuleInst, args: Value[], kwargs: Map<string, Value>, range: SourceRange): Value;
  /** A call of a library path (`torch.nn.Linear`, `torch.matmul`, `transformers...ACT2FN`); undefined when torch does not know it. */
  callLibrary(path: string, pos: Value[], kw: Map<string, Value>, site: CallSite): Value | undefined;
  /** `x.name(...)` on a tensor. */
  tensorMethod(x: TensorValue, name: string, pos: Value[], kw: Map<string, Value>, range: SourceRange): Value;
  /** `x.name` on a tensor (`shape`, `T`, `dtype`); undefined for a method. */
  tensorAttr(x: TensorValue, name: string, text: string): Value | undefined;
  /** `l op r` with a tensor on one side; `-x` is `neg` with `r` undefined. */
  tensorOperator(op: string, l: Value, r: Value | undefined, range: SourceRange): Value;
  /** `x[...]`. */
  indexTensor(x: TensorValue, items: SubItem[]): Value;
  /** `module.name` for what nn.Module provides (layer arguments, `weight`, `training`); undefined when it is not torch's. */
  moduleAttr(m: ModuleInst, name: string, text: string): Value | undefined;
  /** `module.name(...)` for nn.Module / PreTrainedModel methods (`append`, `register_buffer`, `get_extended_attention_mask`). */
  moduleMethod(m: ModuleInst, name: string, pos: Value[], kw: Map<string, Value>, range: SourceRange): Value;
  /** Whether `name` is such a method of `m`. */
  hasModuleMethod(m: ModuleInst, name: string): boolean;
  /** Runs `work` as if it ran `count` times (the body of a loop over counted repeats). */
  repeated<T>(count: number, work: () => T): T;
  /** `ACT2FN[name]`: the activation module it builds. */
  activationModule(key: Value, range: SourceRange, file: PythonAnalysis): Value;
}

/** What torch asks the evaluator: running a module's Python `forward`. */
export interface PythonRunner {
  findMethod(ref: ClassRef, name: string): { f: PyFunction; owner: ClassRef } | undefined;
  callFunction(f: PyFunction, file: PythonAnalysis, args: Value[], kwargs: Map<string, Value>, owner?: ClassRef): Value;
  /** Items of an iterable value (`extend`), undefined when they cannot be known. */
  iterate(v: Value): Value[] | undefined;
  /** The file whose code runs now (source links of recorded ops). */
  readonly currentFile: PythonAnalysis | undefined;
}
