import {
  formatBytes,
  formatCount,
  formatEnergyAuto,
  formatFlops,
  formatShare,
  type PredictedNode,
} from '../../engine/index.js';
import { maxOf } from '../../engine/arrays.js';
import { markdownCode, markdownText, terminalText } from '../../engine/report/escapeText.js';

/** Options shared by the text formats. */
export interface TreeFormatOptions {
  /** Levels below the root to show (the root is level 0). */
  maxDepth: number;
  /**
   * Table: show every one of a run of identical siblings (`--expand-repeats`)
   * instead of one row `layer.0-11 (BertLayer) ×12` with the first expanded.
   */
  expandRepeats?: boolean;
}

interface Row {
  label: string;
  calls: string;
  energy: string;
  share: string;
  flops: string;
  bytes: string;
  /** What bounds the node: the CPU issuing kernels (launch), memory or compute. */
  bound: string;
}

function rowOf(node: PredictedNode, label: string): Row {
  return {
    label,
    calls: node.node.calls > 1 ? `×${node.node.calls}` : '',
    energy: formatEnergyAuto(node.energyJ),
    share: formatShare(node.share),
    flops: formatFlops(node.node.flops * node.node.calls),
    bytes: formatBytes(node.node.memBytes * node.node.calls),
    bound: node.regime,
  };
}

function collectRows(node: PredictedNode, depth: number, options: TreeFormatOptions, prefix: string, isLast: boolean, out: Row[], run?: SiblingRun): void {
  const name = run?.label ?? (depth === 0 ? node.node.scope : lastSegment(node.node.scope));
  const branch = depth === 0 ? '' : `${prefix}${isLast ? '└─ ' : '├─ '}`;
  const repeats = run && run.count > 1 ? ` ×${run.count}` : '';
  out.push(rowOf(node, `${branch}${terminalText(`${name} (${node.node.instanceType})`)}${repeats}`));
  if (depth >= options.maxDepth) return;
  const childPrefix = depth === 0 ? '' : `${prefix}${isLast ? '   ' : '│  '}`;
  const runs: SiblingRun[] = options.expandRepeats ? node.children.map((c) => ({ first: c, count: 1, label: undefined })) : foldRepeats(node.children, options.maxDepth - depth - 1);
  runs.forEach((r, i) => collectRows(r.first, depth + 1, options, childPrefix, i === runs.length - 1, out, r));
}

/** A run of identical siblings shown as its first one; label undefined for a single node. */
export interface SiblingRun {
  first: PredictedNode;
  count: number;
  label: string | undefined;
}

/**
 * What the table would show of a node's subtree, minus the node's own name:
 * class, calls, energy, share, FLOPs, bytes and bound of each row to `depth`
 * levels, and the names and classes of the whole subtree below. Two siblings
 * with the same signature print the same rows but for their names.
 */
function displaySignature(node: PredictedNode, depth: number): string {
  const parts: string[] = [];
  const visit = (n: PredictedNode, level: number, path: string): void => {
    // Rows are formatted only where they are shown: below, names and classes are enough (the
    // subtree of a layer of a 10k-node graph is hundreds of nodes, compared once per sibling).
    if (level <= depth) {
      const r = rowOf(n, n.node.instanceType);
      parts.push(`${path}|${r.label}|${r.calls}|${r.energy}|${r.share}|${r.flops}|${r.bytes}|${r.bound}`);
    } else {
      parts.push(`${path}|${n.node.instanceType}`);
    }
    const children = n.children;
    for (let i = 0; i < children.length; i++) visit(children[i]!, level + 1, `${path}/${lastSegment(children[i]!.node.scope)}`);
  };
  visit(node, 0, '');
  return parts.join('\n');
}

/**
 * Folds runs of consecutive siblings named `<name>.<i>`, `<name>.<i+1>` ...
 * (layer.0 to layer.11) that show the same rows to the displayed precision:
 * one row `layer.0-11 (BertLayer) ×12`, the first one expanded under it.
 * `depth`: the levels shown below these siblings.
 */
export function foldRepeats(children: readonly PredictedNode[], depth: number): SiblingRun[] {
  const out: SiblingRun[] = [];
  let i = 0;
  while (i < children.length) {
    const first = children[i]!;
    const m = /^(.*)\.(\d+)$/.exec(lastSegment(first.node.scope));
    let j = i + 1;
    if (m) {
      const signature = displaySignature(first, depth);
      while (j < children.length) {
        const next = children[j]!;
        const n = /^(.*)\.(\d+)$/.exec(lastSegment(next.node.scope));
        if (!n || n[1] !== m[1] || Number(n[2]) !== Number(m[2]) + (j - i) || displaySignature(next, depth) !== signature) break;
        j++;
      }
    }
    const count = j - i;
    out.push({ first, count, label: m && count > 1 ? `${m[1]}.${m[2]}-${Number(m[2]) + count - 1}` : undefined });
    i = j;
  }
  return out;
}

/** The scope's last dotted segment, keeping `<kind>.<index>` of functional ops together (`matmul.0`). */
export function lastSegment(scope: string): string {
  // By index, not split: this runs for every node of the tree, more than once.
  const dot = scope.lastIndexOf('.');
  if (dot < 0) return scope;
  const last = scope.slice(dot + 1);
  if (!/^\d+$/.test(last)) return last;
  const before = dot > 0 ? scope.lastIndexOf('.', dot - 1) : -1;
  return scope.slice(before + 1);
}

/**
 * The energy tree as an aligned text table: node, calls, joules per inference,
 * share of the model, FLOPs and bytes per inference, and what bounds it.
 */
export function formatTreeTable(root: PredictedNode, options: TreeFormatOptions): string {
  const rows: Row[] = [];
  collectRows(root, 0, options, '', true, rows);
  const header: Row = { label: 'node', calls: 'calls', energy: 'energy/inf.', share: 'share', flops: 'FLOPs/inf.', bytes: 'bytes/inf.', bound: 'bound' };
  const all = [header, ...rows];
  const width = (k: keyof Row) => maxOf(all.map((r) => [...r[k]].length));
  const pad = (s: string, w: number, right = false) => {
    const fill = ' '.repeat(Math.max(0, w - [...s].length));
    return right ? fill + s : s + fill;
  };
  const widths = { label: width('label'), calls: width('calls'), energy: width('energy'), share: width('share'), flops: width('flops'), bytes: width('bytes'), bound: width('bound') };
  return all
    .map((r) =>
      [
        pad(r.label, widths.label),
        pad(r.calls, widths.calls, true),
        pad(r.energy, widths.energy, true),
        pad(r.share, widths.share, true),
        pad(r.flops, widths.flops, true),
        pad(r.bytes, widths.bytes, true),
        pad(r.bound, widths.bound),
      ].join('  ').trimEnd(),
    )
    .join('\n');
}

/** The energy tree as a Markdown table (for reports and CI summaries). */
export function formatTreeMarkdown(root: PredictedNode, options: TreeFormatOptions): string {
  const lines = ['| node | class | calls | energy / inference | share | FLOPs / inference | bound |', '|---|---|---:|---:|---:|---:|---|'];
  const visit = (n: PredictedNode, depth: number) => {
    const indent = depth === 0 ? '' : `${'&nbsp;&nbsp;'.repeat(depth)}`;
    lines.push(
      `| ${indent}${markdownCode(depth === 0 ? n.node.scope : lastSegment(n.node.scope), true)} | ${markdownText(n.node.instanceType)} | ${n.node.calls} | ${formatEnergyAuto(n.energyJ)} | ${formatShare(n.share)} | ${formatFlops(n.node.flops * n.node.calls)} | ${n.regime} |`,
    );
    if (depth < options.maxDepth) for (const c of n.children) visit(c, depth + 1);
  };
  visit(root, 0);
  return lines.join('\n');
}

/** Parameters as `110 M` for headers. */
export function formatParameters(n: number): string {
  return formatCount(n);
}
