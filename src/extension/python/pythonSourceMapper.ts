/**
 * Maps a PyTorch source file onto its predicted tree: each model class line
 * stands for every instance of the class in the tree (12 BertLayer nodes),
 * each `self.x = nn.Linear(...)` line for the layer nodes it creates (one per
 * ModuleList item), each forward line for the functional primitives it calls.
 * Pure (no vscode): text and prediction in, line/column numbers out.
 */
import { analyzePythonModels, type PredictedNode, type PythonAnalysis } from '../../engine/index.js';
import type { LineRange, SourceAnchor, SourceMapper, SourceMapperInput } from '../sourceMapper.js';

/** An anchor of a Python document; `className` marks a class definition line. */
export interface PythonAnchor extends SourceAnchor {
  /** The model class defined on this line, when it is a class line. */
  className?: string;
}

/** Longest Python file whose classes are parsed on the extension host (lines); see `anchors`. */
export const MAX_ANALYSED_LINES = 4000;

/** Minimum share of the model's energy for an end-of-line annotation on a forward line (fraction). */
const OP_ANNOTATION_SHARE = 0.005;

export class PythonSourceMapper implements SourceMapper {
  readonly id = 'python';
  private last: PythonAnalysis | undefined;

  /** The analysis of `text`, re-parsed incrementally from the previous one. */
  analysis(text: string): PythonAnalysis {
    if (this.last?.text === text) return this.last;
    this.last = analyzePythonModels(text, this.last ? { previous: this.last } : {});
    return this.last;
  }

  anchors(input: SourceMapperInput): PythonAnchor[] {
    const lines = input.text.split(/\r?\n/);
    // This runs on the extension host: a first parse takes about 13 ms per 1,000 lines
    // (bench/python.bench.ts), so past MAX_ANALYSED_LINES class lines go without anchors
    // rather than block the editor; layer and forward lines still come from the tree.
    const analysis = lines.length <= MAX_ANALYSED_LINES ? this.analysis(input.text) : { classes: [] as PythonAnalysis['classes'] };
    const out: PythonAnchor[] = [];
    const taken = new Set<number>();

    // Class lines: every instance of the class (top-most only: a class never contains itself in practice).
    const byClass = new Map<string, PredictedNode[]>();
    for (const p of input.index.nodes()) {
      const list = byClass.get(p.node.instanceType);
      if (list) list.push(p);
      else byClass.set(p.node.instanceType, [p]);
    }
    for (const cls of analysis.classes) {
      if (!cls.isModel) continue;
      const nodes = topMost(byClass.get(cls.name) ?? [], input);
      if (nodes.length === 0) continue;
      const line = cls.nameRange.start.line;
      taken.add(line);
      out.push({ line, column: cls.nameRange.start.column, endColumn: lines[line]?.length ?? 0, nodes: sortByScope(nodes), annotate: true, className: cls.name });
    }

    // Lines that create layers or call primitives (source.line on the nodes), top-most per line.
    const byLine = new Map<number, PredictedNode[]>();
    // Nodes built from another file (a base class or block defined elsewhere) carry that file's lines.
    const ownFile = input.prediction.root.node.source?.file;
    const here = (p: PredictedNode): boolean => ownFile === undefined || p.node.source?.file === undefined || p.node.source.file === ownFile;
    const visit = (p: PredictedNode, above: ReadonlySet<number>): void => {
      const line = p.node.source?.line;
      let below = above;
      if (line !== undefined && line >= 0 && line < lines.length && !above.has(line) && !taken.has(line) && here(p)) {
        const list = byLine.get(line);
        if (list) list.push(p);
        else byLine.set(line, [p]);
        below = new Set(above).add(line);
      }
      for (const c of p.children) visit(c, below);
    };
    visit(input.prediction.root, new Set());
    for (const [line, nodes] of byLine) {
      const column = Math.min(nodes[0]!.node.source?.column ?? 0, lines[line]!.length);
      const isLayerLine = nodes.some((n) => /^[A-Z]/.test(n.node.instanceType));
      const share = nodes.reduce((s, n) => s + n.share, 0);
      out.push({ line, column, endColumn: lines[line]!.length, nodes, annotate: isLayerLine || share >= OP_ANNOTATION_SHARE });
    }
    return out.sort((a, b) => a.line - b.line || a.column - b.column);
  }

  locate(input: SourceMapperInput, node: PredictedNode): LineRange | undefined {
    const lines = input.text.split(/\r?\n/);
    const ownFile = input.prediction.root.node.source?.file;
    for (const p of input.index.selfAndAncestors(node)) {
      if (ownFile !== undefined && p.node.source?.file !== undefined && p.node.source.file !== ownFile) continue;
      const line = p.node.source?.line;
      if (line !== undefined && line >= 0 && line < lines.length) {
        return { line, column: Math.min(p.node.source?.column ?? 0, lines[line]!.length), endColumn: lines[line]!.length };
      }
    }
    return undefined;
  }
}

/** Drops nodes that have an ancestor in the list (a class used inside itself would count twice). */
function topMost(nodes: PredictedNode[], input: SourceMapperInput): PredictedNode[] {
  const set = new Set(nodes);
  return nodes.filter((n) => !input.index.selfAndAncestors(n).slice(1).some((a) => set.has(a)));
}

/** Scope order with numeric parts compared as numbers (layer.2 before layer.10). */
function sortByScope(nodes: PredictedNode[]): PredictedNode[] {
  return nodes.slice().sort((a, b) => a.node.scope.localeCompare(b.node.scope, 'en', { numeric: true }));
}
