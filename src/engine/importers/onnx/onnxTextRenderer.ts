/**
 * A read-only text rendering of an ONNX graph, grouped by recovered module,
 * for the editor's "view as text" document: a header (IR, opsets, producer,
 * inputs, outputs), then one block per module listing its nodes as
 * `%out = MatMul(%a, %w[768x768]) : [8,256,768]`. `scopeLines` tells the
 * editor where each tree scope's block (or ml node) starts, for hovers and
 * code lenses. Grammar: syntaxes/onnx-text.tmLanguage.json.
 */
import type { ImportOptions } from '../importer.js';
import type { ModelNode } from '../../tree/modelNode.js';
import { walkTree } from '../../tree/treeWalk.js';
import { buildOnnxTree, type OnnxImportOptions, type OnnxLayout } from './buildOnnxTree.js';
import { decodeOnnxModel } from './decodeOnnxModel.js';
import { ONNX_DTYPE_NAMES, type OnnxAttribute, type OnnxModel, type OnnxNode } from './onnxModel.js';

/** The rendering and where each scope starts. */
export interface OnnxText {
  text: string;
  /** Tree scope -> 0-based line of its block header (modules) or first node line (ml nodes). */
  scopeLines: Record<string, number>;
}

/** Human-readable FLOPs (`12.3 GFLOPs`). */
function formatFlops(flops: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, u] of units) if (flops >= v) return `${(flops / v).toFixed(2)} ${u}FLOPs`;
  return `${flops} FLOPs`;
}

function shapeText(shape: number[] | undefined): string {
  return shape ? `[${shape.join(',')}]` : '[?]';
}

function attrText(a: OnnxAttribute): string {
  if (a.g) return `${a.name}=<graph ${a.g.nodes.length} nodes>`;
  if (a.graphs) return `${a.name}=<${a.graphs.length} graphs>`;
  if (a.t) return `${a.name}=<tensor ${ONNX_DTYPE_NAMES[a.t.dataType] ?? a.t.dataType}${shapeText(a.t.dims)}${a.t.values && a.t.values.length <= 8 ? ' ' + JSON.stringify(a.t.values) : ''}>`;
  if (a.ints) return `${a.name}=[${a.ints.slice(0, 16).join(',')}${a.ints.length > 16 ? ',…' : ''}]`;
  if (a.floats) return `${a.name}=[${a.floats.slice(0, 8).map((f) => +f.toPrecision(6)).join(',')}${a.floats.length > 8 ? ',…' : ''}]`;
  if (a.strings) return `${a.name}=[${a.strings.slice(0, 8).map((s) => JSON.stringify(s)).join(',')}]`;
  if (a.s !== undefined) return `${a.name}=${JSON.stringify(a.s.length > 60 ? a.s.slice(0, 60) + '…' : a.s)}`;
  if (a.f !== undefined) return `${a.name}=${+a.f.toPrecision(6)}`;
  if (a.i !== undefined) return `${a.name}=${a.i}`;
  return a.name;
}

function nodeLine(n: OnnxNode, layout: OnnxLayout, note: string | undefined): string {
  const outs = n.outputs.map((o) => (o === '' ? '_' : `%${o}`)).join(', ');
  const ins = n.inputs
    .map((i) => {
      if (i === '') return '_';
      const init = layout.initializers.get(i);
      return init ? `%${i}${shapeText(init.dims).replace(/,/g, 'x')}` : `%${i}`;
    })
    .join(', ');
  const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
  const attrs = n.attributes.length > 0 ? ` {${n.attributes.map(attrText).join(', ')}}` : '';
  const shapes = n.outputs.filter((o) => o !== '').map((o) => shapeText(layout.tensors.get(o)?.shape)).join(', ');
  return `  ${outs} = ${op}(${ins})${attrs} : ${shapes}${note ? `  # ${note}` : ''}`;
}

function header(model: OnnxModel, layout: OnnxLayout, options: ImportOptions & { fileName: string }, warnings: string[]): string[] {
  const opsets = Object.entries(model.opsets)
    .map(([d, v]) => `${d === '' ? 'ai.onnx' : d} ${v}`)
    .join(', ');
  const inits = model.graph.initializers;
  const external = [...new Set(inits.filter((t) => t.external).map((t) => t.externalLocation ?? '?'))];
  const embedded = inits.reduce((s, t) => s + t.embeddedBytes, 0);
  const params = inits.reduce((s, t) => s + (t.dims.length >= 1 ? t.dims.reduce((a, b) => a * b, 1) : 1), 0);
  const io = (list: typeof model.graph.inputs): string =>
    list
      .filter((v) => !layout.initializers.has(v.name))
      .map((v) => `%${v.name} : ${ONNX_DTYPE_NAMES[v.type?.elemType ?? 0] ?? '?'}${shapeText(layout.tensors.get(v.name)?.shape)}`)
      .join(', ');
  const lines = [
    `# ONNX graph ${options.fileName} (read-only view; shapes at batch ${options.batchSize} x sequence ${options.seqLen})`,
    `# ir_version ${model.irVersion} · opsets ${opsets || 'none'} · producer ${model.producerName || '?'} ${model.producerVersion}`.trimEnd(),
    `# ${layout.nodes.length} nodes · ${inits.length} initializers (${params.toLocaleString('en-US')} values) · weights ${
      external.length > 0 ? `external in ${external.join(', ')}` : `embedded (${(embedded / 1e6).toFixed(1)} MB)`
    } · scopes from ${layout.scopes.mode}`,
    `# inputs: ${io(model.graph.inputs) || 'none'}`,
    `# outputs: ${io(model.graph.outputs) || 'none'}`,
  ];
  for (const w of warnings) lines.push(`# warning: ${w}`);
  lines.push('');
  return lines;
}

/**
 * Renders an ONNX file as text grouped by module (`options.config`, the HF config, names classes when given).
 * @throws MalformedFileError when the bytes are not an ONNX model.
 */
export function renderOnnxText(bytes: Uint8Array, options: OnnxImportOptions & { fileName: string }): OnnxText {
  const model = decodeOnnxModel(bytes, options.fileName, options.signal);
  const { tree, layout } = buildOnnxTree(model, options, options.fileName);
  const lines = header(model, layout, options, tree.warnings);
  // No prototype: scopes come from the file (a node named constructor).
  const scopeLines: Record<string, number> = Object.create(null) as Record<string, number>;

  const modules: ModelNode[] = [];
  const byScope = new Map<string, ModelNode>();
  for (const { node } of walkTree(tree.root)) {
    byScope.set(node.scope, node);
    if (node.type !== 'ml') modules.push(node);
  }
  const nodesOf = new Map<string, number[]>();
  const order: string[] = modules.map((m) => m.scope);
  layout.nodeModule.forEach((scope, i) => {
    let list = nodesOf.get(scope);
    if (!list) {
      nodesOf.set(scope, (list = []));
      if (!byScope.has(scope)) order.push(scope);
    }
    list.push(i);
  });
  for (const scope of order) {
    const m = byScope.get(scope);
    const idx = nodesOf.get(scope) ?? [];
    if (!m && idx.length === 0) continue;
    scopeLines[scope] = lines.length;
    const cls = m ? ` : ${m.instanceType}` : '';
    const cost = m ? `  # ${formatFlops(m.flops)}, ${m.parameters.toLocaleString('en-US')} parameters` : '';
    lines.push(`module ${scope}${cls}${cost}`);
    if (idx.length === 0) lines.push('  # (only sub-modules)');
    for (const i of idx) {
      const ml = layout.nodeMl[i];
      if (ml !== undefined && scopeLines[ml] === undefined) scopeLines[ml] = lines.length;
      const note = ml !== undefined && ml.startsWith(scope + '.') ? ml.slice(scope.length + 1) : ml;
      lines.push(nodeLine(layout.nodes[i]!, layout, note));
    }
    lines.push('');
  }
  return { text: lines.join('\n'), scopeLines };
}
