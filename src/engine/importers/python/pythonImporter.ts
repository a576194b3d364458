/**
 * The importer for PyTorch source files: finds the outermost model class (the
 * one no other model class uses as a submodule) and builds its tree.
 */
import { InvalidInputError, MalformedFileError, UnsupportedFormatError, throwIfAborted } from '../../errors.js';
import type { ModelTree } from '../../tree/modelNode.js';
import type { ImportInput, ImportOptions, Importer } from '../importer.js';
import { validateImportOptions } from '../registry.js';
import { analyzePythonModels, buildPythonModelTree, type PythonAnalysis, type PythonClass, type PythonLayer } from './pythonModelAnalyzer.js';
import { bracketDepthOverflow } from './bracketDepth.js';

/** Options of `importPythonModel`. */
export interface PythonImportOptions extends ImportOptions {
  /** File name or URI of the source (node sources, messages). */
  fileName: string;
  /** The model class to build; default: the outermost model class (`pickRootModelClass`). */
  className?: string;
  /** Text of the config.json / config.yaml beside the file. */
  configText?: string;
  configFileName?: string;
  /** Previous analysis of the same document, for an incremental re-parse. */
  previous?: PythonAnalysis;
  /** Analyses of other workspace files (cross-file bases and submodules). */
  otherFiles?: PythonAnalysis[];
}

/**
 * Analyses a Python file and builds the tree of one of its model classes.
 * @returns the tree and the analysis (keep it as `previous` for the next edit)
 * @throws UnsupportedFormatError when the file defines no model class
 */
export function importPythonModel(text: string, options: PythonImportOptions): { tree: ModelTree; analysis: PythonAnalysis } {
  validateImportOptions(options);
  const analysis = analyzePythonModels(text, {
    fileName: options.fileName,
    ...(options.previous ? { previous: options.previous } : {}),
    ...(options.otherFiles ? { otherFiles: options.otherFiles } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  throwIfAborted(options.signal);
  const className = options.className ?? pickRootModelClass(analysis, configModelClass(options.configText));
  if (!className) {
    const hint = analysis.syntaxErrors.length ? ` (it has ${analysis.syntaxErrors.length} syntax error(s); the first: line ${analysis.syntaxErrors[0]!.range.start.line + 1}, ${analysis.syntaxErrors[0]!.message})` : '';
    throw new UnsupportedFormatError(`${options.fileName}: no class deriving from nn.Module or PreTrainedModel${hint}`);
  }
  const tree = buildPythonModelTree(analysis, className, {
    batchSize: options.batchSize,
    seqLen: options.seqLen,
    dtype: options.dtype,
    fileName: options.fileName,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.configText !== undefined ? { configText: options.configText } : {}),
    ...(options.configFileName ? { configFileName: options.configFileName } : {}),
  });
  for (const e of analysis.syntaxErrors.slice(0, 5)) tree.warnings.push(`line ${e.range.start.line + 1}: ${e.message}; the classes around it may be incomplete`);
  tree.outline = {
    classes: analysis.classes.filter((c) => c.isModel).map((c) => ({ name: c.name, line: c.nameRange.start.line, column: c.nameRange.start.column })),
  };
  return { tree, analysis };
}

/** The `architectures[0]`-style base class an HF config.json names via its model_type's AutoModel (`BertModel`), if any. */
function configModelClass(configText: string | undefined): string[] {
  if (!configText) return [];
  try {
    const parsed = JSON.parse(configText) as Record<string, unknown>;
    const arch = Array.isArray(parsed['architectures']) ? (parsed['architectures'] as unknown[]).filter((a): a is string => typeof a === 'string') : [];
    return arch;
  } catch {
    return [];
  }
}

/**
 * The outermost model class: not used as a submodule by another model class
 * of the file and not a base of one; among several, the one owning the most
 * layers (transitively), the later one on ties. A class named in `preferred`
 * (a config's `architectures`) wins when it is a model class here.
 */
export function pickRootModelClass(analysis: PythonAnalysis, preferred: readonly string[] = []): string | undefined {
  const models = analysis.classes.filter((c) => c.isModel);
  if (models.length === 0) return undefined;
  for (const p of preferred) if (models.some((m) => m.name === p)) return p;
  const byName = new Map(models.map((c) => [c.name, c]));
  const used = new Set<string>();
  const collect = (layers: PythonLayer[]): void => {
    for (const l of layers) {
      if (l.category === 'model') used.add(l.layerType);
      if (l.items) collect(l.items);
    }
  };
  for (const c of models) {
    collect(c.layers);
    for (const n of c.instantiates ?? []) used.add(n);
  }
  const bases = new Set(models.flatMap((c) => c.bases.map((b) => b.split('.').pop()!)));
  let candidates = models.filter((c) => !used.has(c.name) && !bases.has(c.name));
  if (candidates.length === 0) candidates = models.filter((c) => !used.has(c.name));
  if (candidates.length === 0) candidates = models;
  const size = new Map<string, number>();
  const weight = (c: PythonClass, seen: Set<string>): number => {
    if (size.has(c.name)) return size.get(c.name)!;
    if (seen.has(c.name)) return 0;
    seen.add(c.name);
    let n = 0;
    const visit = (layers: PythonLayer[]): void => {
      for (const l of layers) {
        n += 1;
        if (l.category === 'model') {
          const sub = byName.get(l.layerType);
          if (sub) n += weight(sub, seen);
        }
        if (l.items) visit(l.items);
      }
    };
    visit(c.layers);
    size.set(c.name, n);
    return n;
  };
  let best = candidates[0]!;
  for (const c of candidates) if (weight(c, new Set()) >= weight(best, new Set())) best = c;
  return best.name;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** PyTorch source files (`.py` defining an nn.Module subclass). */
export const pythonImporter: Importer = {
  id: 'python',
  match(fileName: string, head: Uint8Array): boolean {
    if (!/\.pyi?$/i.test(fileName)) return false;
    // Parse the head (cheap: at most 4 KiB) rather than pattern-match it: a model class, or imports of torch/transformers.
    const text = decoder.decode(head);
    // Nested deeper than Python allows: the file is not analysed, and parse says why.
    if (bracketDepthOverflow(text) >= 0) return true;
    const a = analyzePythonModels(text);
    return a.modelClasses.length > 0 || Object.values(a.imports).some((path) => path === 'torch' || path.startsWith('torch.') || path.startsWith('transformers'));
  },
  parse(input: ImportInput, options: ImportOptions): ModelTree {
    if (input.bytes.length > 0 && input.bytes.subarray(0, 4096).includes(0)) {
      throw new MalformedFileError(`${input.fileName}: binary data, not Python source`);
    }
    const text = decoder.decode(input.bytes);
    const config = input.companions?.find((c) => /\.(json|ya?ml)$/i.test(c.fileName));
    try {
      return importPythonModel(text, {
        ...options,
        fileName: input.fileName,
        ...(config ? { configText: decoder.decode(config.bytes), configFileName: config.fileName } : {}),
      }).tree;
    } catch (err) {
      if (err instanceof InvalidInputError) throw new UnsupportedFormatError(err.message);
      throw err;
    }
  },
};
