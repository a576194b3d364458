/**
 * Links config.json keys to tree nodes both ways. Importers tag nodes with
 * `source.configKey` (the layers carry `num_hidden_layers`); a key stands for
 * the top-most nodes carrying it, so a layer and its sub-modules tagged alike
 * are not counted twice.
 */
import type { PredictedNode } from '../engine/index.js';
// Straight from the module, not the engine's index: the extension host bundle stays free of the engine.
import { nodesByConfigKey } from '../engine/analysis/configKeyNodes.js';
import type { PredictionIndex } from './predictionIndex.js';

export { nodesByConfigKey };

/** The config key that controls a node: its own, or its nearest ancestor's. */
export function configKeyOf(index: PredictionIndex, node: PredictedNode): string | undefined {
  for (const p of index.selfAndAncestors(node)) {
    const key = p.node.source?.configKey;
    if (key !== undefined) return key;
  }
  return undefined;
}

/**
 * Keys whose value is a count where "one more or one less" is a meaningful
 * what-if (layers, heads, experts); widths such as hidden_size are not.
 */
export function isCountKey(key: string): boolean {
  const last = key.slice(key.lastIndexOf('.') + 1);
  return /^(num_|n_)|layers?$|heads?$|experts/.test(last);
}

/**
 * The config text with a dotted key's integer value changed by `delta`, or
 * undefined when the key is missing, not an integer, or would drop below 1.
 * Formatting is not kept: the result only feeds a prediction.
 */
export function withConfigValueChanged(text: string, dottedKey: string, delta: number): { text: string; value: number } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const path = dottedKey.split('.');
  let holder: unknown = json;
  for (const part of path.slice(0, -1)) {
    if (typeof holder !== 'object' || holder === null) return undefined;
    holder = (holder as Record<string, unknown>)[part];
  }
  if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) return undefined;
  const last = path[path.length - 1]!;
  const old = (holder as Record<string, unknown>)[last];
  if (typeof old !== 'number' || !Number.isInteger(old)) return undefined;
  const value = old + delta;
  if (value < 1) return undefined;
  (holder as Record<string, unknown>)[last] = value;
  return { text: JSON.stringify(json), value };
}
