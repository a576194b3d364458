/**
 * The words and numbers the extension shows: tree labels, tooltips, hovers,
 * lens titles and inline annotations. Plain strings (Markdown where noted), so
 * every surface says the same thing and it is tested without VS Code. Numbers
 * are formatted by the engine's formatUnits, as in the CLI and the panel.
 */
import {
  formatBytes,
  formatCount,
  formatEnergy,
  formatFlops,
  formatShare,
  formatSignificant,
  type EnergyUnit,
  type PredictedNode,
  type PredictionLike,
  type Regime,
} from '../engine/index.js';
import { markdownCode, markdownText } from '../engine/report/escapeText.js';

/** How energies are shown (from the settings). */
export interface EnergyDisplay {
  unit: EnergyUnit;
  /** Grams of CO2 per kWh (for gCO2). */
  carbonIntensity: number;
}

/** Energy in the display unit: `2.23 J`, `0.248 mgCO2` is left to the unit's formatter. */
export function showEnergy(joules: number, display: EnergyDisplay): string {
  return formatEnergy(joules, display.unit, display.carbonIntensity);
}

/** One-sigma uncertainty relative to the value: `±4.1 %`; empty when either is 0. */
export function relativeUncertainty(energyJ: number, uncertaintyJ: number): string {
  // No estimate (0) is not the same as no uncertainty: show nothing rather than ±0 %.
  if (!(energyJ > 0) || !(uncertaintyJ > 0) || !Number.isFinite(uncertaintyJ)) return '';
  return `±${formatSignificant((uncertaintyJ / energyJ) * 100, 2)} %`;
}

/** Share of the model's energy, bucketed for colours. */
export type ShareLevel = 'low' | 'medium' | 'high';

/** Thresholds of the share levels (fractions of the model's energy). */
export const SHARE_LEVEL_THRESHOLDS = { medium: 0.05, high: 0.2 } as const;

export function shareLevel(share: number): ShareLevel {
  if (share >= SHARE_LEVEL_THRESHOLDS.high) return 'high';
  if (share >= SHARE_LEVEL_THRESHOLDS.medium) return 'medium';
  return 'low';
}

/** Tree item description: `0.123 J · 5.52 % · ×12`. */
export function nodeDescription(p: PredictedNode, display: EnergyDisplay): string {
  const parts = [showEnergy(p.energyJ, display), formatShare(p.share)];
  if (p.node.calls > 1) parts.push(`×${p.node.calls}`);
  return parts.join(' · ');
}

/** Code lens title: `⚡ 2.23 J per inference · batch 8 × 256 · h100-bf16 · ±4.1 %`. */
export function lensTitle(prediction: PredictionLike, display: EnergyDisplay): string {
  const parts = [
    `⚡ ${showEnergy(prediction.energyJ, display)} per inference`,
    `batch ${prediction.batchSize} × ${prediction.seqLen}`,
    prediction.profile.name,
  ];
  const u = relativeUncertainty(prediction.energyJ, prediction.uncertaintyJ);
  if (u) parts.push(u);
  return parts.join(' · ');
}

/** A context length as the lens writes it: `2k`, `512`, `1.5k` (tokens). */
export function contextLabel(tokens: number): string {
  if (tokens < 1000) return String(tokens);
  const k = tokens / 1024;
  return `${Number.isInteger(k) ? k : Number(k.toFixed(1))}k`;
}

/** The numbers the generation lens shows (plain data from the worker's generate result). */
export interface GenerationLensFigures {
  /** Decode J per generated token at `stepContext`. */
  stepPerTokenJ: number;
  stepContext: number;
  /** One sequence's prompt + output (J). */
  energyPerRequestJ: number;
  promptLen: number;
  outputLen: number;
  batchSize: number;
  gpus: number;
}

/** The causal-LM lens: `⚡ 0.21 J/token decode at 2k context · 61 J per request (512 → 256) · batch 8`. */
export function generationLensTitle(g: GenerationLensFigures, display: EnergyDisplay): string {
  const parts = [
    `⚡ ${showEnergy(g.stepPerTokenJ, display)}/token decode at ${contextLabel(g.stepContext)} context`,
    `${showEnergy(g.energyPerRequestJ, display)} per request (${g.promptLen} → ${g.outputLen})`,
    `batch ${g.batchSize}`,
  ];
  if (g.gpus > 1) parts.push(`${g.gpus} GPUs`);
  return parts.join(' · ');
}

/** Status bar text: `$(zap) 2.23 J ±4.1 %` (codicon syntax). */
export function statusText(prediction: PredictionLike, display: EnergyDisplay): string {
  const u = relativeUncertainty(prediction.energyJ, prediction.uncertaintyJ);
  return `$(zap) ${showEnergy(prediction.energyJ, display)}${u ? ` ${u}` : ''}`;
}

/** End-of-line annotation: `⚡ 1.95 J · 87.4 %` (`· ×12` when it runs 12 times). */
export function annotationText(agg: EnergyAggregate, display: EnergyDisplay): string {
  const parts = [`⚡ ${showEnergy(agg.energyJ, display)}`, formatShare(agg.share)];
  if (agg.nodes === 1 && agg.calls > 1) parts.push(`×${agg.calls}`);
  return parts.join(' · ');
}

/** Totals of a set of nodes that do not overlap (no node is an ancestor of another). */
export interface EnergyAggregate {
  /** Nodes summed (count). */
  nodes: number;
  /** Energy of one inference (joules). */
  energyJ: number;
  /**
   * Uncertainty (joules), added linearly: the nodes are predicted by the same
   * regressions, so their errors are correlated and do not cancel.
   */
  uncertaintyJ: number;
  /** Fraction of the model's energy (0..1). */
  share: number;
  /** Energy of one call when there is a single node (joules). */
  energyPerCallJ: number | undefined;
  /** Calls per inference, summed (count). */
  calls: number;
  /** FLOPs of one inference: flops x calls, summed (FLOPs). */
  flops: number;
  /** Bytes touched in one inference: memBytes x calls, summed (bytes). */
  memBytes: number;
  /** Parameters (count). */
  parameters: number;
  /** The nodes' part of the model's time per inference (seconds). */
  timeS: number;
  /** Static part of energyJ: idle power x time (joules). */
  staticJ: number;
  /** Dynamic part of energyJ (joules). */
  dynamicJ: number;
  /** The regime of the node, or of the costliest node when there are several. */
  regime: Regime | undefined;
}

/** How each regime reads in a hover. */
const REGIME_TEXT: Record<Regime, string> = {
  launch: 'launch-bound (the CPU issuing kernels sets the pace)',
  memory: 'memory-bound',
  compute: 'compute-bound',
};

export function aggregate(nodes: readonly PredictedNode[]): EnergyAggregate {
  const agg: EnergyAggregate = {
    nodes: nodes.length,
    energyJ: 0,
    uncertaintyJ: 0,
    share: 0,
    energyPerCallJ: nodes.length === 1 ? nodes[0]!.energyPerCallJ : undefined,
    calls: 0,
    flops: 0,
    memBytes: 0,
    parameters: 0,
    timeS: 0,
    staticJ: 0,
    dynamicJ: 0,
    regime: undefined,
  };
  let costliest = -1;
  for (const p of nodes) {
    agg.timeS += p.timeS;
    agg.staticJ += p.staticJ;
    agg.dynamicJ += p.dynamicJ;
    if (p.energyJ > costliest) {
      costliest = p.energyJ;
      agg.regime = p.regime;
    }
    agg.energyJ += p.energyJ;
    agg.uncertaintyJ += p.uncertaintyJ;
    agg.share += p.share;
    agg.calls += p.node.calls;
    agg.flops += p.node.flops * p.node.calls;
    agg.memBytes += p.node.memBytes * p.node.calls;
    agg.parameters += p.node.parameters;
  }
  return agg;
}

/** Escapes text for Markdown (names come from user files): see the engine's markdownText. */
export function escapeMarkdown(text: string): string {
  return markdownText(text);
}

/** The setting a prediction was made under, for the last row of hovers and tooltips. */
export function settingLine(prediction: PredictionLike): string {
  return `${prediction.profile.name} · batch ${prediction.batchSize} × ${prediction.seqLen} · ${prediction.dtype}`;
}

/** Rows shared by node and key hovers: `| label | value |`. */
function rows(agg: EnergyAggregate, prediction: PredictionLike, display: EnergyDisplay): string[] {
  const out = [
    `| Energy per inference | ${showEnergy(agg.energyJ, display)} ± ${showEnergy(agg.uncertaintyJ, display)} |`,
  ];
  if (agg.energyPerCallJ !== undefined && agg.calls > 1) out.push(`| Energy per call | ${showEnergy(agg.energyPerCallJ, display)} |`);
  out.push(
    `| Share of the model | ${formatShare(agg.share)} |`,
    `| Calls per inference | ${agg.calls} |`,
    `| FLOPs per inference | ${formatFlops(agg.flops)} |`,
    `| Bytes per inference | ${formatBytes(agg.memBytes)} |`,
    `| Parameters | ${formatCount(agg.parameters)} |`,
  );
  if (agg.regime) out.push(`| Time per inference | ${formatSeconds(agg.timeS)}, ${REGIME_TEXT[agg.regime]} |`);
  if (agg.energyJ > 0) {
    out.push(`| Static + dynamic | ${showEnergy(agg.staticJ, display)} (idle ${formatSignificant(prediction.idlePowerW, 3)} W × time) + ${showEnergy(agg.dynamicJ, display)} |`);
  }
  out.push(`| Profile | ${escapeMarkdown(settingLine(prediction))} |`);
  const memory = memoryLine(prediction);
  if (memory) out.push(`| ⚠ Memory | ${escapeMarkdown(memory)} |`);
  return out;
}

/** Seconds as ms or s with three significant digits. */
function formatSeconds(s: number): string {
  return s < 1 ? `${formatSignificant(s * 1e3, 3)} ms` : `${formatSignificant(s, 3)} s`;
}

/** A one-line memory warning when the run does not fit on the profile's device; undefined when it does. */
export function memoryLine(prediction: PredictionLike): string | undefined {
  const m = prediction.memory;
  if (!m || m.fits || m.capacityBytes === undefined) return undefined;
  const gb = (b: number): string => `${Math.round(b / 1e9)} GB`;
  const weights = m.devicesForWeights > 1 ? `; the weights alone need ${m.devicesForWeights} such GPUs` : '; the activations are what does not fit';
  return `does not fit: about ${gb(m.estimate.totalBytes)} on a ${gb(m.capacityBytes)} device, short by ${gb(m.shortfallBytes)}${weights}`;
}

/** Markdown about one node: tooltip of a tree item and hover in the ONNX text view. */
export function nodeMarkdown(p: PredictedNode, prediction: PredictionLike, display: EnergyDisplay): string {
  const head = `**${escapeMarkdown(p.node.instanceType)}** ${markdownCode(p.node.scope)}`;
  return [head, '', '| | |', '|---|---|', ...rows(aggregate([p]), prediction, display)].join('\n');
}

/** What changing a count key by one does to the whole model. */
export interface KeyDelta {
  /** The key's value after the change (count). */
  value: number;
  /** Whole-model energy after the change minus before (joules); undefined when the engine rejected the value. */
  deltaJ: number | undefined;
  /** Why there is no delta. */
  error?: string;
}

/** `+0.162 J (+7.3 %)` */
export function signedDelta(deltaJ: number, baseJ: number, display: EnergyDisplay): string {
  const sign = deltaJ >= 0 ? '+' : '−';
  const rel = baseJ > 0 ? ` (${sign}${formatSignificant(Math.abs(deltaJ / baseJ) * 100, 2)} %)` : '';
  return `${sign}${showEnergy(Math.abs(deltaJ), display)}${rel}`;
}

/** Markdown about a config.json key: what the nodes it controls cost, and the ±1 what-if. */
export function configKeyMarkdown(
  key: string,
  nodes: readonly PredictedNode[],
  prediction: PredictionLike,
  display: EnergyDisplay,
  deltas: readonly KeyDelta[] = [],
): string {
  const agg = aggregate(nodes);
  const what = nodes.length === 1 ? markdownCode(nodes[0]!.node.scope) : `${nodes.length} nodes`;
  const lines = [
    `**${markdownCode(key)}** controls ${what}: ${showEnergy(agg.energyJ, display)} per inference, ${formatShare(agg.share)} of the model`,
    '',
    '| | |',
    '|---|---|',
    ...rows(agg, prediction, display),
  ];
  if (deltas.length > 0) {
    lines.push('');
    for (const d of deltas) {
      const change = d.deltaJ === undefined ? `not predictable (${escapeMarkdown(d.error ?? 'rejected')})` : signedDelta(d.deltaJ, prediction.energyJ, display);
      lines.push(`- ${markdownCode(`${key}: ${d.value}`)} → ${change} per inference`);
    }
  }
  return lines.join('\n');
}

/**
 * Markdown for a source line that stands for several nodes (a Python line
 * that builds a layer used in every block): their total, then their scopes.
 */
export function nodesMarkdown(nodes: readonly PredictedNode[], prediction: PredictionLike, display: EnergyDisplay): string {
  if (nodes.length === 1) return nodeMarkdown(nodes[0]!, prediction, display);
  const agg = aggregate(nodes);
  const shown = nodes.slice(0, 4).map((n) => markdownCode(n.node.scope));
  const more = nodes.length > shown.length ? `, … (${nodes.length - shown.length} more)` : '';
  return [
    `**${nodes.length} nodes** from this line: ${showEnergy(agg.energyJ, display)} per inference, ${formatShare(agg.share)} of the model`,
    '',
    `${shown.join(', ')}${more}`,
    '',
    '| | |',
    '|---|---|',
    ...rows(agg, prediction, display),
  ].join('\n');
}

/**
 * The hover's generation lines for a count key of a causal LM: the decode
 * step's J per generated token at the reference context, and what one more or
 * one less of the key changes per token.
 */
export function generationDeltaMarkdown(key: string, stepPerTokenJ: number, context: number, batchSize: number, deltas: readonly KeyDelta[], display: EnergyDisplay): string {
  const lines = [`**Generation**: ${showEnergy(stepPerTokenJ, display)} per generated token, decode at ${contextLabel(context)} context, batch ${batchSize}`];
  for (const d of deltas) {
    const change = d.deltaJ === undefined ? `not predictable (${escapeMarkdown(d.error ?? 'rejected')})` : signedDelta(d.deltaJ, stepPerTokenJ, display);
    lines.push(`- \`${key}: ${d.value}\` → ${change} per token`);
  }
  return lines.join('\n');
}
