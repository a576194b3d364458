/**
 * The tree of a traced run ("Trace with Python", `irene trace`): the user's
 * own PyTorch built the model on the `meta` device and recorded its modules
 * and the ordered events of one forward pass (src/cli/trace/irene_trace.py).
 * The events are replayed through the same torch runtime and catalog as the
 * static evaluation, so both trees count the same way and differ only where
 * the static reading of the source was wrong. Pure: JSON text in, tree out.
 */
import { MalformedFileError, throwIfAborted } from '../../errors.js';
import { memoryCost, numel } from '../../features/primitiveCost.js';
import type { Dtype, ModelTree } from '../../tree/modelNode.js';
import { walkTree } from '../../tree/treeWalk.js';
import { finishNodes, reportUncalled, unresolvedWarnings } from './buildPythonModelTree.js';
import { EvalDiagnostics } from './evalDiagnostics.js';
import type { PyFunction, SourceRange } from './pyAst.js';
import type { PythonAnalysis, PythonClass } from './pythonAnalysisTypes.js';
import { NONE, fromJson, knownShape, num, tensor, type ClassRef, type ModuleInst, type Value } from './pythonValue.js';
import { callFunctional } from './torch/functionalOps.js';
import { layerEntry } from './torch/torchLayers.js';
import { IDENTITY_LAYERS } from './torchCatalog.js';
import type { PythonRunner } from './torchDispatch.js';
import { TorchRuntime } from './torchRuntime.js';
import { pushAll } from '../../arrays.js';

/** Format name of traced trees (the lens and the CLI say "traced"). */
export const TRACED_FORMAT = 'python-trace';

/** One module of the traced model. */
interface TraceModule {
  scope: string;
  cls: string;
  attrs: Record<string, unknown>;
  ownParameters: number;
}

type TraceEvent =
  | { ev: 'enter'; scope: string | null; cls: string; args: unknown[]; kwargs: Record<string, unknown> }
  | { ev: 'exit'; out: unknown }
  | { ev: 'op'; name: string; args: unknown[]; kwargs: Record<string, unknown>; out: unknown; line: number | null };

/** What irene_trace.py prints. */
export interface PythonTrace {
  torch: string;
  class: string;
  modules: TraceModule[];
  events: TraceEvent[];
}

/** Options of `treeFromTrace`. */
export interface TraceTreeOptions {
  batchSize: number;
  seqLen: number;
  dtype: Dtype;
  /** The traced source file (node sources). */
  fileName: string;
  signal?: AbortSignal;
}

/** torch function names as the trace reports them -> the catalog's op names. */
const OP_NAMES: Readonly<Record<string, string>> = {
  matmul: 'matmul', bmm: 'matmul', __matmul__: 'matmul', __rmatmul__: 'matmul',
  softmax: 'softmax', log_softmax: 'softmax', scaled_dot_product_attention: 'scaled_dot_product_attention',
  gelu: 'gelu', silu: 'silu', relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid', layer_norm: 'layer_norm', rms_norm: 'rms_norm',
  add: 'add', __add__: 'add', __radd__: 'add', __iadd__: 'add', sub: 'sub', __sub__: 'sub', __rsub__: 'sub', __isub__: 'sub',
  mul: 'mul', __mul__: 'mul', __rmul__: 'mul', __imul__: 'mul', div: 'div', __truediv__: 'div', __rtruediv__: 'div', __itruediv__: 'div',
  neg: 'neg', __neg__: 'neg', pow: 'pow', __pow__: 'pow', sqrt: 'sqrt', rsqrt: 'rsqrt', exp: 'exp', mean: 'mean', where: 'where',
  masked_fill: 'masked_fill', cat: 'cat', concat: 'cat', contiguous: 'contiguous', einsum: 'einsum', linear: 'linear',
};
const CASTS = new Set(['to', 'float', 'half', 'bfloat16', 'type_as']);
const CONTAINERS = new Set(['ModuleList', 'ModuleDict', 'Sequential']);

/** Parses irene_trace.py's output. @throws MalformedFileError when it is not a trace. */
export function parseTrace(text: string): PythonTrace {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new MalformedFileError(`the trace is not JSON (${(err as Error).message}); run the trace again`);
  }
  const t = data as Partial<PythonTrace>;
  if (!t || typeof t !== 'object' || typeof t.class !== 'string' || !Array.isArray(t.modules) || !Array.isArray(t.events) || t.modules.length === 0) {
    throw new MalformedFileError('the trace has no modules or events; run the trace again');
  }
  return t as PythonTrace;
}

/** A trace value as an evaluator value. */
function decode(v: unknown): Value {
  if (v === null || v === undefined) return NONE;
  if (typeof v === 'number') return num(v);
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'string') return { t: 'str', v };
  if (Array.isArray(v)) return { t: 'seq', kind: 'tuple', items: v.map(decode) };
  const o = v as { t?: string; shape?: unknown; int?: unknown; name?: unknown };
  if (o.t === 'tensor' && Array.isArray(o.shape)) return tensor(o.shape.map((d) => (typeof d === 'number' ? d : undefined)), 'traced shape', o.int === true);
  if (o.t === 'dtype') return { t: 'ref', path: `torch.${String(o.name).replace(/^torch\./, '')}` };
  return { t: 'unknown', why: 'a traced value' };
}

function decodeKw(kw: Record<string, unknown> | undefined): Map<string, Value> {
  return new Map(Object.entries(kw ?? {}).map(([k, v]) => [k, decode(v)]));
}

/**
 * The tree of a traced forward pass.
 * @param trace what irene_trace.py printed (see parseTrace)
 */
export function treeFromTrace(trace: PythonTrace, options: TraceTreeOptions): ModelTree {
  throwIfAborted(options.signal);
  const diagnostics = new EvalDiagnostics();
  const file: PythonAnalysis = { text: '', fileName: options.fileName, imports: {}, constants: {}, functions: {}, classes: [], modelClasses: [], syntaxErrors: [], unresolved: [], otherFiles: [] };
  const torch = new TorchRuntime(options.dtype, diagnostics, file, options.fileName);
  const zero = { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } };
  const classOf = (name: string): ClassRef => ({ cls: { name, range: zero, nameRange: zero, bases: [], decorators: [], isModel: true, modelChain: [], fields: [], methods: {}, layers: [], functionalOps: [], unresolvedBases: [] } as PythonClass, analysis: file });

  // The module tree as torch built it.
  const byScope = new Map<string, ModuleInst>();
  for (const tm of trace.modules) {
    const isLayer = layerEntry(tm.cls) !== undefined || IDENTITY_LAYERS.has(tm.cls);
    const m: ModuleInst = {
      className: tm.cls,
      kind: CONTAINERS.has(tm.cls) ? 'container' : isLayer ? 'layer' : 'user',
      args: new Map(Object.entries(tm.attrs ?? {}).map(([k, v]) => [k, fromJson(v, k)])),
      attrs: new Map(),
      children: [],
      file,
      unresolved: [],
      ownParameters: 0,
      scope: tm.scope,
      ...(isLayer ? {} : { cls: classOf(tm.cls) }),
    };
    if (!isLayer) m.ownParameters = tm.ownParameters;
    byScope.set(tm.scope, m);
    const dot = tm.scope.lastIndexOf('.');
    const parent = dot > 0 ? byScope.get(tm.scope.slice(0, dot)) : undefined;
    if (parent) parent.children.push([tm.scope.slice(dot + 1), m]);
  }
  const rootModule = byScope.get('root');
  if (!rootModule) throw new MalformedFileError('the trace has no root module; run the trace again');

  let pos = 0;
  const events = trace.events;
  const rangeOf = (line: number | null | undefined): SourceRange => (line ? { start: { line: line - 1, column: 0 }, end: { line: line - 1, column: 0 } } : zero);
  /** Skips the events of one call whose `enter` was just consumed (a layer's internals). */
  const skipCall = (): Value => {
    for (let depth = 0; pos < events.length; ) {
      const e = events[pos++]!;
      if (e.ev === 'enter') depth++;
      else if (e.ev === 'exit') {
        if (depth === 0) return decode(e.out);
        depth--;
      }
    }
    return NONE;
  };
  /** Replays the events of one module's forward up to its `exit`. */
  const replayBody = (): Value => {
    while (pos < events.length) {
      throwIfAborted(options.signal);
      const e = events[pos++]!;
      if (e.ev === 'exit') return decode(e.out);
      if (e.ev === 'op') {
        const args = (e.args ?? []).map(decode);
        const kw = decodeKw(e.kwargs);
        const range = rangeOf(e.line);
        if (CASTS.has(e.name)) {
          const s = knownShape(args[0]);
          torch.recordOp('cast', [args[0] ?? NONE], s ? memoryCost(numel(s), options.dtype) : undefined, range);
        } else if (Object.hasOwn(OP_NAMES, e.name)) {
          const ordered = e.name.startsWith('__r') && e.name !== '__radd__' && e.name !== '__rmul__' ? [args[1] ?? NONE, args[0] ?? NONE, ...args.slice(2)] : args;
          callFunctional(torch, OP_NAMES[e.name]!, ordered, kw, range);
        }
        continue;
      }
      // A module call: a submodule, or a layer created inline (no scope).
      const m = (e.scope ? byScope.get(e.scope) : undefined) ?? { className: e.cls, kind: 'layer' as const, args: new Map(), attrs: new Map(), children: [], file, unresolved: [], ownParameters: 0 };
      const args = (e.args ?? []).map(decode);
      const kw = decodeKw(e.kwargs);
      if (m.kind === 'container') {
        // Sequential: its items' calls are nested events.
        const node = torch.recorder.nodeOf(m, torch.recorder.top?.node);
        node.calls += torch.recorder.callMultiplier;
        replayBody();
      } else if (m.kind === 'layer') {
        torch.callModule(m, args, kw, rangeOf(null));
        skipCall();
      } else torch.callModule(m, args, kw, rangeOf(null));
    }
    return NONE;
  };
  const forward: PyFunction = { name: 'forward', params: [], body: [], range: zero };
  const runner: PythonRunner = {
    findMethod: (ref) => ({ f: forward, owner: ref }),
    callFunction: () => replayBody(),
    iterate: () => undefined,
    currentFile: file,
  };
  torch.connect(runner);

  const first = events[pos];
  if (first?.ev !== 'enter' || first.scope !== 'root') throw new MalformedFileError('the trace does not start with the root module; run the trace again');
  pos++;
  torch.recorder.assignScopes(rootModule, 'root');
  const root = torch.recorder.nodeOf(rootModule, undefined);
  root.type = 'model';
  torch.callModule(rootModule, (first.args ?? []).map(decode), decodeKw(first.kwargs), zero);
  // Parameters as torch counts them: each tensor once, so tied weights are not counted twice.
  const own = new Map(trace.modules.map((tm) => [tm.scope, tm.ownParameters]));
  for (const { node } of walkTree(root)) {
    const m = byScope.get(node.scope);
    if (m?.kind === 'layer' && node.children.length === 0) node.parameters = own.get(node.scope) ?? node.parameters;
  }
  finishNodes(root, rootModule);
  const warnings = [...diagnostics.warnings];
  reportUncalled(rootModule, root, warnings);
  pushAll(warnings, unresolvedWarnings(root));
  return { modelName: trace.class, format: TRACED_FORMAT, batchSize: options.batchSize, seqLen: options.seqLen, dtype: options.dtype, root, warnings };
}
