/**
 * What a Python document shows: the code lens of a model class and the hover
 * of a class, layer or forward line (the total and, for repeated layers, each
 * one). Plain strings built from D1's energyText helpers so that every surface
 * says the same thing.
 */
import { formatShare, type PredictedNode, type PredictionLike } from '../../engine/index.js';
import { aggregate, escapeMarkdown, nodesMarkdown, relativeUncertainty, showEnergy, type EnergyDisplay } from '../energyText.js';
import type { PythonAnchor } from './pythonSourceMapper.js';
import { markdownCode } from '../../engine/report/escapeText.js';

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

/**
 * Hover of a Python anchor: the summed figures of its nodes (D1's node/nodes
 * Markdown, so hovers read the same everywhere), then, for a class or a line
 * that builds several layers (a ModuleList), one row per node, and what the
 * source did not resolve.
 */
export function pythonAnchorMarkdown(anchor: PythonAnchor, prediction: PredictionLike, display: EnergyDisplay): string {
  const parts = [nodesMarkdown(anchor.nodes, prediction, display)];
  if (anchor.className) parts[0] = `**class ${escapeMarkdown(anchor.className)}**${anchor.nodes.length > 1 ? ` (${anchor.nodes.length} instances)` : ''}\n\n${parts[0]}`;
  if (anchor.nodes.length > 1) {
    const rows = ['| node | per inference | per call | share | calls |', '|---|---:|---:|---:|---:|'];
    for (const p of anchor.nodes.slice(0, MAX_ROWS)) {
      rows.push(`| ${markdownCode(p.node.scope, true)} | ${showEnergy(p.energyJ, display)} | ${showEnergy(p.energyPerCallJ, display)} | ${formatShare(p.share)} | ${p.node.calls} |`);
    }
    if (anchor.nodes.length > MAX_ROWS) rows.push(`| … ${anchor.nodes.length - MAX_ROWS} more | | | | |`);
    parts.push(rows.join('\n'));
  }
  const unresolved = [...new Set(anchor.nodes.flatMap((n) => collectUnresolved(n)))];
  if (unresolved.length) {
    parts.push(`$(warning) Not resolved from the source: ${unresolved.map((u) => markdownCode(u)).join(', ')}. These numbers are incomplete.`);
  }
  return parts.join('\n\n');
}

function hasUnresolved(p: PredictedNode): boolean {
  return (p.node.unresolved?.length ?? 0) > 0 || p.children.some(hasUnresolved);
}

function collectUnresolved(p: PredictedNode): string[] {
  return [...(p.node.unresolved ?? []), ...p.children.flatMap(collectUnresolved)];
}
