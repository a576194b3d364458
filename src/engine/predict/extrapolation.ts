/**
 * How far a prediction lies outside its profile's training data, per input
 * (batch, sequence, tokens, FLOPs, parameters, bytes, FLOPs per primitive
 * kind), as a factor and as a distance in natural-log units. The uncertainty
 * grows with that distance (`uncertainty.ts`); the warnings say it in words.
 */
import type { ModelNode, ModelTree } from '../tree/modelNode.js';
import { forEachNode, walkTree } from '../tree/treeWalk.js';
import { primitiveKindOf } from '../tree/primitiveKind.js';
import { pushAll } from '../arrays.js';

/** Inclusive [min, max] range seen in training. */
export type Range = [number, number];

/** What the training data covered, per primitive kind and for the whole model (`model`). */
export interface TrainingRange {
  /** Sequences per pass (count). */
  batch: Range;
  /** Tokens per sequence (count). */
  seq: Range;
  /** FLOPs of one call (per inference for `model`). */
  flops: Range;
  /** Bytes of one call (per inference for `model`); absent in profiles of format 2. */
  bytes?: Range;
  /** Tokens per pass (`model` only). */
  tokens?: Range;
  /** Parameters (`model` only). */
  parameters?: Range;
}

/** One input outside the training range. */
export interface ExtrapolationDimension {
  /** What lies outside: `batch size`, `sequence length`, `tokens`, `model FLOPs`, `parameters`, `model bytes`, `<kind> FLOPs`. */
  name: string;
  value: number;
  range: Range;
  /** How many times beyond the nearest edge (> 1). */
  factor: number;
  above: boolean;
}

/** How far a tree lies outside the training data. */
export interface Extrapolation {
  /** ln of the largest factor (0 inside the range). */
  distance: number;
  /** Inputs outside their range by more than 10 %, worst first. */
  dimensions: ExtrapolationDimension[];
}

/** Within 10 % of an edge is noise in the range, not extrapolation worth a warning. */
const EDGE_SLACK = 1.1;

function leafKindOf(node: ModelNode): string {
  return node.type === 'ml' ? (node.kind ?? primitiveKindOf(node.instanceType)) : 'other';
}

/** Batch, sequence, tokens, FLOPs, bytes and parameter ranges per primitive kind (leaves) and for whole models (`model`). */
export function trainingRanges(trees: readonly ModelTree[]): Record<string, TrainingRange> {
  const out: Record<string, TrainingRange> = {};
  const widen = (r: Range | undefined, v: number): Range => (r ? [Math.min(r[0], v), Math.max(r[1], v)] : [v, v]);
  const add = (key: string, batch: number, seq: number, flops: number, bytes: number, extra?: { tokens: number; parameters: number }): void => {
    const r = out[key];
    const next: TrainingRange = {
      batch: widen(r?.batch, batch),
      seq: widen(r?.seq, seq),
      flops: widen(r?.flops, flops),
      bytes: widen(r?.bytes, bytes),
    };
    if (extra) {
      next.tokens = widen(r?.tokens, extra.tokens);
      next.parameters = widen(r?.parameters, extra.parameters);
    }
    out[key] = next;
  };
  for (const t of trees) {
    add('model', t.batchSize, t.seqLen, t.root.flops * t.root.calls, t.root.memBytes * t.root.calls, {
      tokens: t.batchSize * t.seqLen,
      parameters: t.root.parameters,
    });
    for (const { node } of walkTree(t.root)) {
      if (node.children.length === 0) add(leafKindOf(node), t.batchSize, t.seqLen, node.flops, node.memBytes);
    }
  }
  return out;
}

/** Largest factor outside a range that is reported (its ln, 690, stays finite in every product). */
const MAX_FACTOR = 1e300;

/** The factor by which `value` lies outside `range` (1 inside or within the slack), and on which side. */
export function outsideFactor(value: number, range: Range | undefined): { factor: number; above: boolean } {
  if (!range || !(value > 0)) return { factor: 1, above: false };
  // Indexed, not destructured: destructuring runs the iterator protocol, an object per call
  // while the code is still interpreted (once per leaf of every prediction).
  const lo = range[0];
  const hi = range[1];
  // Capped: a value of 2e-308 FLOPs against a range from 1e9 is "infinitely" far, which would make
  // the uncertainty Infinity; 1e300 is far enough to say so.
  if (hi > 0 && value > hi) return { factor: Math.min(value / hi, MAX_FACTOR), above: true };
  if (lo > 0 && value < lo) return { factor: Math.min(lo / value, MAX_FACTOR), above: false };
  return { factor: 1, above: false };
}

/**
 * How far a tree lies outside the training ranges: the whole model (batch,
 * sequence, tokens, FLOPs, bytes, parameters) and each primitive kind's
 * FLOPs (its worst leaf).
 */
export function treeExtrapolation(tree: ModelTree, ranges: Record<string, TrainingRange>, bytesKnown = true): Extrapolation {
  const dims: ExtrapolationDimension[] = [];
  const push = (name: string, value: number, range: Range | undefined): void => {
    const { factor, above } = outsideFactor(value, range);
    if (factor > EDGE_SLACK && range) dims.push({ name, value, range, factor, above });
  };
  const m = ranges['model'];
  if (m) {
    push('batch size', tree.batchSize, m.batch);
    push('sequence length', tree.seqLen, m.seq);
    push('tokens', tree.batchSize * tree.seqLen, m.tokens);
    push('model FLOPs', tree.root.flops * tree.root.calls, m.flops);
    if (bytesKnown) push('model bytes', tree.root.memBytes * tree.root.calls, m.bytes);
    push('parameters', tree.root.parameters, m.parameters);
  }
  const worst = new Map<string, ExtrapolationDimension>();
  forEachNode(tree.root, (node) => {
    if (node.children.length > 0) return;
    const kind = leafKindOf(node);
    const r = ranges[kind];
    const { factor, above } = outsideFactor(node.flops, r?.flops);
    if (factor <= EDGE_SLACK || !r) return;
    const prev = worst.get(kind);
    if (!prev || factor > prev.factor) worst.set(kind, { name: `${kind} FLOPs`, value: node.flops, range: r.flops, factor, above });
  });
  pushAll(dims, worst.values());
  dims.sort((a, b) => b.factor - a.factor);
  return { distance: dims.length > 0 ? Math.log(dims[0]!.factor) : 0, dimensions: dims };
}

/** ln of how far one leaf's FLOPs lie outside its kind's range (0 inside). */
export function leafDistance(node: ModelNode, ranges: Record<string, TrainingRange>): number {
  const { factor } = outsideFactor(node.flops, ranges[leafKindOf(node)]?.flops);
  return factor > EDGE_SLACK ? Math.log(factor) : 0;
}

function times(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1);
}

/** One warning per dimension outside its range, in words. */
export function extrapolationWarnings(e: Extrapolation): string[] {
  const show = (v: number): string => (v >= 1e5 ? v.toExponential(2) : String(Math.round(v * 100) / 100));
  return e.dimensions.map((d) => {
    const side = d.above ? 'the largest' : 'below the smallest';
    const edge = d.above ? d.range[1] : d.range[0];
    if (d.name.endsWith(' FLOPs') && d.name !== 'model FLOPs') {
      const kind = d.name.slice(0, -' FLOPs'.length);
      return `${kind} primitives reach ${times(d.factor)}x ${side} FLOPs seen in training (${edge.toExponential(2)} FLOPs); extrapolating, with a wider uncertainty`;
    }
    return `${d.name} ${show(d.value)} is outside the training range ${show(d.range[0])}-${show(d.range[1])}: ${times(d.factor)}x ${side} seen in training (${show(edge)}); extrapolating, with a wider uncertainty`;
  });
}
