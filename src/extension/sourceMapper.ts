/**
 * Source mappers connect a document's text to a prediction's tree: which
 * ranges stand for which nodes (for hovers, lenses and annotations) and where
 * a node lives (for "reveal in source"). One mapper per document kind —
 * config.json, the ONNX text view, Python source — so a new format plugs in
 * without touching the providers. Pure: text in, line/column numbers out.
 */
import type { ModelSourceOutline, PredictedNode, PredictionLike } from '../engine/index.js';
import { nodesByConfigKey } from './configKeyMapping.js';
import type { PredictionIndex } from './predictionIndex.js';

/** A 0-based range on one line. */
export interface LineRange {
  line: number;
  column: number;
  endColumn: number;
}

/** A place in the document that stands for some nodes of the tree. */
export interface SourceAnchor extends LineRange {
  /** Nodes this place stands for (top-most only; never an ancestor with its descendant). */
  nodes: PredictedNode[];
  /** The config key, for config.json anchors. */
  configKey?: string;
  /** Whether an end-of-line annotation is worth showing here (modules, keys), not on every primitive. */
  annotate: boolean;
}

/** What a mapper reads. */
export interface SourceMapperInput {
  text: string;
  prediction: PredictionLike;
  index: PredictionIndex;
  /** Line of each scope in the ONNX text view, from the renderer. */
  scopeLines?: Readonly<Record<string, number>>;
  /** Model classes of a source file and their lines, from the worker's parse (Python). */
  outline?: ModelSourceOutline;
}

export interface SourceMapper {
  /** `hf-config`, `onnx-text`, `python`: matches the document kinds of the prediction service. */
  readonly id: string;
  anchors(input: SourceMapperInput): SourceAnchor[];
  /** Where a node lives in this document, or its closest located ancestor. */
  locate(input: SourceMapperInput, node: PredictedNode): LineRange | undefined;
}

/** The anchor under a position: one whose range contains it, else the only anchor on that line. */
export function anchorAt(anchors: readonly SourceAnchor[], line: number, column: number): SourceAnchor | undefined {
  const onLine = anchors.filter((a) => a.line === line);
  return onLine.find((a) => column >= a.column && column <= a.endColumn) ?? (onLine.length === 1 ? onLine[0] : undefined);
}

/** Locates JSON keys in config text: `locateConfigKeys` of the hfConfig importer. */
export type ConfigKeyLocator = (text: string) => Map<string, LineRange>;

/** config.json: one anchor per key that controls nodes. */
export class ConfigSourceMapper implements SourceMapper {
  readonly id = 'hf-config';
  constructor(private readonly locateKeys: ConfigKeyLocator) {}

  anchors(input: SourceMapperInput): SourceAnchor[] {
    const located = this.locateKeys(input.text);
    const out: SourceAnchor[] = [];
    for (const [key, nodes] of nodesByConfigKey(input.prediction.root)) {
      const r = located.get(key);
      if (r) out.push({ ...r, nodes, configKey: key, annotate: true });
    }
    return out.sort((a, b) => a.line - b.line || a.column - b.column);
  }

  locate(input: SourceMapperInput, node: PredictedNode): LineRange | undefined {
    const located = this.locateKeys(input.text);
    for (const p of input.index.selfAndAncestors(node)) {
      const key = p.node.source?.configKey;
      const r = key === undefined ? undefined : located.get(key);
      if (r) return r;
    }
    return undefined;
  }
}

/** Length of each line of a text (characters). */
function lineLengths(text: string): number[] {
  return text.split(/\r?\n/).map((l) => l.length);
}

/** The ONNX text view: one anchor per rendered scope; modules get annotations. */
export class OnnxTextSourceMapper implements SourceMapper {
  readonly id = 'onnx-text';

  anchors(input: SourceMapperInput): SourceAnchor[] {
    const lengths = lineLengths(input.text);
    const out: SourceAnchor[] = [];
    for (const [scope, line] of Object.entries(input.scopeLines ?? {})) {
      const p = input.index.byScope(scope);
      if (!p || line < 0 || line >= lengths.length) continue;
      out.push({ line, column: 0, endColumn: lengths[line]!, nodes: [p], annotate: p.children.length > 0 });
    }
    return out.sort((a, b) => a.line - b.line);
  }

  locate(input: SourceMapperInput, node: PredictedNode): LineRange | undefined {
    const lines = input.scopeLines ?? {};
    const lengths = lineLengths(input.text);
    for (const p of input.index.selfAndAncestors(node)) {
      const line = lines[p.node.scope];
      if (line !== undefined && line < lengths.length) return { line, column: 0, endColumn: lengths[line]! };
    }
    return undefined;
  }
}

/**
 * Sources whose nodes carry `source.line` (Python `nn.Module` classes): one
 * anchor per line, standing for the top-most nodes defined there.
 */
export class LineSourceMapper implements SourceMapper {
  constructor(readonly id: string) {}

  anchors(input: SourceMapperInput): SourceAnchor[] {
    const lengths = lineLengths(input.text);
    const byLine = new Map<number, PredictedNode[]>();
    const visit = (p: PredictedNode, taken: ReadonlySet<number>) => {
      const line = p.node.source?.line;
      let below = taken;
      if (line !== undefined && line >= 0 && line < lengths.length && !taken.has(line)) {
        byLine.set(line, [...(byLine.get(line) ?? []), p]);
        below = new Set(taken).add(line);
      }
      for (const c of p.children) visit(c, below);
    };
    visit(input.prediction.root, new Set());
    return [...byLine.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([line, nodes]) => {
        const column = Math.min(nodes[0]!.node.source?.column ?? 0, lengths[line]!);
        return { line, column, endColumn: lengths[line]!, nodes, annotate: nodes.some((n) => n.children.length > 0) };
      });
  }

  locate(input: SourceMapperInput, node: PredictedNode): LineRange | undefined {
    const lengths = lineLengths(input.text);
    for (const p of input.index.selfAndAncestors(node)) {
      const line = p.node.source?.line;
      if (line !== undefined && line >= 0 && line < lengths.length) {
        return { line, column: Math.min(p.node.source?.column ?? 0, lengths[line]!), endColumn: lengths[line]! };
      }
    }
    return undefined;
  }
}
