/**
 * Maps a PyTorch source file onto its predicted tree: each model class line
 * stands for every instance of the class in the tree (12 BertLayer nodes),
 * each `self.x = nn.Linear(...)` line for the layer nodes it creates (one per
 * ModuleList item), each forward line for the functional primitives it calls.
 * Pure (no vscode): text and prediction in, line/column numbers out. It
 * never parses: class lines come from the outline the worker sends with the
 * prediction (its parse of the same text), layer and forward lines from the
 * tree's source positions, so the extension host never runs the Python parser.
 */
import type { PredictedNode } from '../../engine/index.js';
import type { LineRange, SourceAnchor, SourceMapper, SourceMapperInput } from '../sourceMapper.js';

/** An anchor of a Python document; `className` marks a class definition line. */
export interface PythonAnchor extends SourceAnchor {
  /** The model class defined on this line, when it is a class line. */
  className?: string;
}

/** Minimum share of the model's energy for an end-of-line annotation on a forward line (fraction). */
const OP_ANNOTATION_SHARE = 0.005;

export class PythonSourceMapper implements SourceMapper {
  readonly id = 'python';

  anchors(input: SourceMapperInput): PythonAnchor[] {
    const lines = input.text.split(/\r?\n/);
    const out: PythonAnchor[] = [];
    const taken = new Set<number>();

    // Class lines: every instance of the class (top-most only: a class never contains itself in practice).
    const byClass = new Map<string, PredictedNode[]>();
    for (const p of input.index.nodes()) {
      const list = byClass.get(p.node.instanceType);
      if (list) list.push(p);
      else byClass.set(p.node.instanceType, [p]);
    }
    for (const cls of input.outline?.classes ?? []) {
      const nodes = topMost(byClass.get(cls.name) ?? [], input);
      // The outline is of the text predicted; after an edit it may be a line or two off until the next prediction lands.
      if (nodes.length === 0 || cls.line >= lines.length) continue;
      taken.add(cls.line);
      out.push({ line: cls.line, column: cls.column, endColumn: lines[cls.line]?.length ?? 0, nodes: sortByScope(nodes), annotate: true, className: cls.name });
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
