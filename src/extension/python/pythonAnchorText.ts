/**
 * What a Python document shows: the code lens of a model class and the hover
 * of a class, layer or forward line (the total and, for repeated layers, each
 * one). Plain strings built from D1's energyText helpers so that every surface
 * says the same thing.
 */
import { formatFlops, formatShare, type PredictedNode, type PredictionLike } from '../../engine/index.js';
import { aggregate, escapeMarkdown, nodeMarkdown, relativeUncertainty, settingLine, showEnergy, type EnergyDisplay } from '../energyText.js';
import type { PythonAnchor } from './pythonSourceMapper.js';

/** Per-layer rows shown at most in a hover (the rest are summarised). */
const MAX_ROWS = 16;

/** Lens of a model class: `⚡ 2.23 J per inference · 38 % of BertModel · batch 8 × 256 · h100-bf16`. */
export function classLensTitle(anchor: PythonAnchor, prediction: PredictionLike, display: EnergyDisplay): string {
  const agg = aggregate(anchor.nodes);
  const isRoot = anchor.nodes.length === 1 && anchor.nodes[0] === prediction.root;
  const parts = [`⚡ ${showEnergy(agg.energyJ, display)} per inference`];
  if (!isRoot) parts.push(`${formatShare(agg.share)} of ${prediction.modelName}`);
  if (anchor.nodes.length > 1) parts.push(`${anchor.nodes.length} instances`);
  parts.push(`batch ${prediction.batchSize} × ${prediction.seqLen}`, prediction.profile.name);
  const u = relativeUncertainty(agg.energyJ, agg.uncertaintyJ);
  if (u) parts.push(u);
  if (anchor.nodes.some((n) => hasUnresolved(n))) parts.push('$(warning) incomplete');
  return parts.join(' · ');
}

/** Hover of a Python anchor: one node as the tree tooltip; several as their total plus one row each. */
export function pythonAnchorMarkdown(anchor: PythonAnchor, prediction: PredictionLike, display: EnergyDisplay): string {
  const unresolved = [...new Set(anchor.nodes.flatMap((n) => collectUnresolved(n)))];
  const warning = unresolved.length
    ? `\n\n$(warning) Not resolved from the source: ${unresolved.map((u) => `\`${u}\``).join(', ')}. These numbers are incomplete.`
    : '';
  if (anchor.nodes.length === 1) return nodeMarkdown(anchor.nodes[0]!, prediction, display) + warning;
  const agg = aggregate(anchor.nodes);
  const first = anchor.nodes[0]!.node;
  const what = anchor.className ? `**${escapeMarkdown(anchor.className)}** × ${anchor.nodes.length}` : `**${escapeMarkdown(first.instanceType)}** and ${anchor.nodes.length - 1} more`;
  const lines = [
    `${what}: ${showEnergy(agg.energyJ, display)} per inference, ${formatShare(agg.share)} of the model`,
    '',
    '| | |',
    '|---|---|',
    `| Energy per inference | ${showEnergy(agg.energyJ, display)} ± ${showEnergy(agg.uncertaintyJ, display)} |`,
    `| Calls per inference | ${agg.calls} |`,
    `| FLOPs per inference | ${formatFlops(agg.flops)} |`,
    `| Parameters | ${agg.parameters.toLocaleString('en-US')} |`,
    `| Profile | ${escapeMarkdown(settingLine(prediction))} |`,
    '',
    '| node | energy | share | calls |',
    '|---|---:|---:|---:|',
  ];
  for (const p of anchor.nodes.slice(0, MAX_ROWS)) lines.push(`| \`${p.node.scope}\` | ${showEnergy(p.energyJ, display)} | ${formatShare(p.share)} | ${p.node.calls} |`);
  if (anchor.nodes.length > MAX_ROWS) lines.push(`| … ${anchor.nodes.length - MAX_ROWS} more | | | |`);
  return lines.join('\n') + warning;
}

function hasUnresolved(p: PredictedNode): boolean {
  return (p.node.unresolved?.length ?? 0) > 0 || p.children.some(hasUnresolved);
}

function collectUnresolved(p: PredictedNode): string[] {
  return [...(p.node.unresolved ?? []), ...p.children.flatMap(collectUnresolved)];
}
