/**
 * The parts of a model a budget message can point at, and which of them
 * drives a change. A config.json's parts are its keys, each standing for the
 * nodes it controls (`nodesByConfigKey`, as the hover groups them), placed
 * on the key's line (`locateConfigKeys`); a Python model's parts are its
 * source lines (the top-most nodes defined on each); an ONNX graph, which
 * has no lines, is split into the root's modules.
 */
import { parse as parseJsonc } from 'jsonc-parser';
import { nodesByConfigKey } from '../analysis/configKeyNodes.js';
import { locateConfigKeys } from '../importers/hfConfig/configKeyLocator.js';
import type { PredictedNode } from '../tree/modelNode.js';
import { jsonNestingDepth } from '../limits/jsonNesting.js';
import { MAX_NESTING_DEPTH } from '../limits/workBudgets.js';

/** One part of a model and its share of the energy per inference. */
export interface BudgetPart {
  /** Stable across revisions: `key:num_hidden_layers`, or `scope:root.encoder.layer.0` (the part's first node). */
  id: string;
  /** What a message calls it: the config key, or the class and scope. */
  label: string;
  /** The config key, for config.json parts. */
  configKey?: string;
  /** The key's value in the file, as JSON text (config.json parts); a change of value marks the key as edited. */
  value?: string;
  /** Energy of the part's nodes per inference (joules). */
  energyJ: number;
  /** 0-based line in the model file; absent where the file has no lines (ONNX) or the key is not found. */
  line?: number;
  /** 0-based columns of the key or definition on that line. */
  column?: number;
  endColumn?: number;
}

function sum(nodes: readonly PredictedNode[]): number {
  return nodes.reduce((s, n) => s + n.energyJ, 0);
}

function configParts(root: PredictedNode, text: string): BudgetPart[] {
  const located = locateConfigKeys(text);
  let values: Record<string, unknown> = {};
  const parsed: unknown = jsonNestingDepth(text, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH ? undefined : parseJsonc(text, [], { allowTrailingComma: true });
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) values = parsed as Record<string, unknown>;
  const parts: BudgetPart[] = [];
  const byKey = nodesByConfigKey(root);
  for (const [key, nodes] of byKey) {
    // The key that tags the root (model_type) stands for the whole model: never a useful pointer.
    if (nodes.includes(root)) continue;
    parts.push({ id: `key:${key}`, label: key, configKey: key, energyJ: sum(nodes), ...valueAndPlace(key) });
  }
  // Keys that tag no node still matter when they change (their effect shows in other keys' nodes).
  for (const key of located.keys()) {
    if (!byKey.has(key)) parts.push({ id: `key:${key}`, label: key, configKey: key, energyJ: 0, ...valueAndPlace(key) });
  }
  return parts;

  function valueAndPlace(key: string): Pick<BudgetPart, 'value' | 'line' | 'column' | 'endColumn'> {
    const at = located.get(key);
    const v = values[key];
    return { ...(v !== undefined ? { value: JSON.stringify(v) } : {}), ...(at ? { line: at.line, column: at.column, endColumn: at.endColumn } : {}) };
  }
}

function lineParts(root: PredictedNode): BudgetPart[] {
  const byLine = new Map<number, PredictedNode[]>();
  const visit = (p: PredictedNode, taken: ReadonlySet<number>): void => {
    const line = p.node.source?.line;
    let below = taken;
    if (line !== undefined && line >= 0 && !taken.has(line)) {
      byLine.set(line, [...(byLine.get(line) ?? []), p]);
      below = new Set(taken).add(line);
    }
    for (const c of p.children) visit(c, below);
  };
  visit(root, new Set());
  const parts: BudgetPart[] = [];
  for (const [line, nodes] of byLine) {
    if (nodes.includes(root)) continue;
    const first = nodes[0]!;
    const column = first.node.source?.column ?? 0;
    parts.push({
      id: `scope:${first.node.scope}`,
      label: `${first.node.instanceType} (${first.node.scope}${nodes.length > 1 ? ` and ${nodes.length - 1} more` : ''})`,
      energyJ: sum(nodes),
      line,
      column,
      endColumn: column + first.node.instanceType.length,
    });
  }
  return parts;
}

function moduleParts(root: PredictedNode): BudgetPart[] {
  return root.children.map((c) => ({ id: `scope:${c.node.scope}`, label: `${c.node.instanceType} (${c.node.scope})`, energyJ: c.energyJ }));
}

/**
 * The parts of a predicted model. `text` is the model file's text when it is
 * a config.json (keys and their lines); without it, or for other files, parts
 * come from the nodes' source lines, else from the root's modules.
 */
export function budgetParts(root: PredictedNode, text?: string): BudgetPart[] {
  let hasKeys = false;
  let hasLines = false;
  const scan = (p: PredictedNode): void => {
    if (p.node.source?.configKey !== undefined) hasKeys = true;
    if (p.node.source?.line !== undefined) hasLines = true;
    if (!(hasKeys && hasLines)) p.children.forEach(scan);
  };
  scan(root);
  if (hasKeys && text !== undefined) return configParts(root, text);
  if (hasLines) return lineParts(root);
  return moduleParts(root);
}

/** The part a message points at, and why. */
export interface BudgetDriver {
  part: BudgetPart;
  /** Change of the part's energy against the baseline (joules); absent without a baseline. */
  deltaJ?: number;
  /** `edited` a config key whose value changed; `largest-increase` of all parts; `largest` the part with the most energy. */
  reason: 'edited' | 'largest-increase' | 'largest';
}

/**
 * Which part drives a model's energy. Without a baseline: the part with the
 * most energy. With one: the part whose energy grew most, looked for first
 * among config keys whose value was edited (a config's energy changes only
 * through its edited keys; the key that controls the layers also grows when
 * the intermediate size does, and must not take the blame for it).
 */
export function findBudgetDriver(current: readonly BudgetPart[], baseline?: readonly BudgetPart[]): BudgetDriver | undefined {
  if (!baseline) {
    const top = [...current].sort((a, b) => b.energyJ - a.energyJ)[0];
    return top && top.energyJ > 0 ? { part: top, reason: 'largest' } : undefined;
  }
  const before = new Map(baseline.map((p) => [p.id, p]));
  const rows = current.map((p) => ({ part: p, deltaJ: p.energyJ - (before.get(p.id)?.energyJ ?? 0), old: before.get(p.id) }));
  const edited = rows.filter((r) => r.part.configKey !== undefined && r.old !== undefined && r.old.value !== undefined && r.part.value !== r.old.value);
  const added = rows.filter((r) => r.part.configKey !== undefined && r.old === undefined && baseline.some((b) => b.value !== undefined));
  const byIncrease = (a: { deltaJ: number }, b: { deltaJ: number }): number => b.deltaJ - a.deltaJ;
  const pick = [...edited, ...added].sort(byIncrease)[0];
  if (pick) return { part: pick.part, deltaJ: pick.deltaJ, reason: 'edited' };
  const grown = rows.filter((r) => r.deltaJ > 0).sort(byIncrease)[0];
  return grown ? { part: grown.part, deltaJ: grown.deltaJ, reason: 'largest-increase' } : undefined;
}
