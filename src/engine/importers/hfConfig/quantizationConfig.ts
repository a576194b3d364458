/**
 * `quantization_config` of a Hugging Face config.json: which Linear weights
 * a quantized checkpoint stores at a lower bit width, and how many bytes a
 * weight then takes, group scales and zero points included. Activations,
 * embeddings, norms and (unless the method says otherwise) routers keep the
 * compute dtype. The predictor's profiles were measured on unquantized
 * models, which the tree's warnings say.
 *
 * Bytes per weight (bits / 8 plus the per-group extras each format stores):
 * - gptq / awq: `bits` (default 4) plus an fp16 scale and a packed zero point per `group_size` (128);
 * - bitsandbytes: 4-bit with an fp32 absmax per 64 weights (double quantisation: an 8-bit absmax
 *   plus an fp32 per 256 of them), or 8-bit (LLM.int8, its per-row scales left out);
 * - fp8: one byte plus an fp32 scale per `weight_block_size` block (DeepSeek-V3: 128 x 128);
 * - mxfp4 (gpt-oss): 4 bits plus a one-byte scale per 32, on the MoE experts only;
 * - compressed-tensors: `num_bits` of the first config group, with its `group_size` scales.
 */
import type { ConfigReader } from '../../architectures/configReader.js';
import { valueText } from '../../valueText.js';

/** How a checkpoint's Linear weights are stored. */
export interface QuantizationInfo {
  /** `quant_method` as written (`gptq`, `awq`, `bitsandbytes`, `fp8`, `mxfp4`, `compressed-tensors`). */
  method: string;
  /** Bits per weight (bits). */
  bits: number;
  /** Bytes a weight takes with its share of scales and zero points (bytes). */
  bytesPerWeight: number;
  /** Whether the weights at a tree scope (`root.layers.0.self_attn.q_proj`) are quantized. */
  applies(scope: string): boolean;
}

/** Methods whose bytes this file can work out. */
export const SUPPORTED_QUANT_METHODS: readonly string[] = ['gptq', 'awq', 'bitsandbytes', 'fp8', 'mxfp4', 'compressed-tensors'];

/**
 * Reads `quantization_config`, adding the warnings a user should see.
 * @returns undefined when the config has none, or names a method IrEne cannot size (then weights keep the compute dtype, with a warning)
 */
export function readQuantizationConfig(cfg: ConfigReader): QuantizationInfo | undefined {
  const q = cfg.raw['quantization_config'];
  if (q === undefined || q === null) return undefined;
  if (typeof q !== 'object' || Array.isArray(q)) {
    cfg.warnings.push(`${cfg.context}: "quantization_config" is not an object; weights are counted at the compute dtype`);
    return undefined;
  }
  const c = q as Record<string, unknown>;
  const num = (k: string, fallback: number) => (typeof c[k] === 'number' && Number.isFinite(c[k]) && (c[k] as number) > 0 ? (c[k] as number) : fallback);
  const method = typeof c['quant_method'] === 'string' ? c['quant_method'] : c['load_in_4bit'] === true || c['load_in_8bit'] === true ? 'bitsandbytes' : 'unknown';
  // A width outside 1-16 bits is no quantization there is (1e9 bits once made a 1.1B model 16 MJ):
  // said, and the format's default used.
  const bitsOf = (v: unknown, key: string, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 16) return v;
    cfg.warnings.push(`${cfg.context}: quantization_config "${key}" is ${valueText(v)}, not a whole number of bits from 1 to 16; ${fallback}-bit assumed`);
    return fallback;
  };
  let bits: number;
  let bytesPerWeight: number;
  let expertsOnly = false;
  let skip: string[] = stringList(c['modules_to_not_convert']);
  switch (method) {
    case 'gptq':
    case 'awq': {
      bits = c['bits'] !== undefined ? bitsOf(c['bits'], 'bits', 4) : bitsOf(c['w_bit'], 'w_bit', 4);
      // group_size -1 is GPTQ's per-channel quantization: one scale per output column, no groups.
      const group = c['group_size'] === -1 ? Number.POSITIVE_INFINITY : num('group_size', num('q_group_size', 128));
      bytesPerWeight = bits / 8 + (2 + bits / 8) / group;
      break;
    }
    case 'bitsandbytes': {
      if (c['load_in_8bit'] === true) {
        bits = 8;
        bytesPerWeight = 1;
      } else {
        bits = 4;
        bytesPerWeight = c['bnb_4bit_use_double_quant'] === true ? 0.5 + 1 / 64 + 4 / (64 * 256) : 0.5 + 4 / 64;
      }
      skip = [...skip, ...stringList(c['llm_int8_skip_modules'])];
      break;
    }
    case 'fp8': {
      bits = 8;
      const block = Array.isArray(c['weight_block_size']) && c['weight_block_size'].every((x) => typeof x === 'number' && x > 0) ? (c['weight_block_size'] as number[]) : undefined;
      bytesPerWeight = 1 + (block ? 4 / block.reduce((a, b) => a * b, 1) : 0);
      break;
    }
    case 'mxfp4': {
      bits = 4;
      bytesPerWeight = 0.5 + 1 / 32;
      expertsOnly = true;
      break;
    }
    case 'compressed-tensors': {
      const groups = c['config_groups'];
      const first = typeof groups === 'object' && groups !== null ? (Object.values(groups)[0] as { weights?: { num_bits?: unknown; group_size?: unknown } } | undefined) : undefined;
      const w = first?.weights;
      bits = bitsOf(w?.num_bits, 'num_bits', 8);
      const group = typeof w?.group_size === 'number' && w.group_size > 0 ? w.group_size : undefined;
      bytesPerWeight = bits / 8 + (group ? 2 / group : 0);
      skip = [...skip, ...stringList(c['ignore'])];
      break;
    }
    default:
      cfg.warnings.push(
        `${cfg.context}: quantization_config method "${method}" is not one IrEne can size (${SUPPORTED_QUANT_METHODS.join(', ')}); weights are counted at the compute dtype`,
      );
      return undefined;
  }
  const patterns = skip.map(modulePattern);
  // HF quantizers leave the LM head alone; AutoModel has none, but a pattern may still name it
  const applies = (scope: string): boolean => {
    const path = scope.replace(/^root\.?/, '');
    if (expertsOnly && !/(^|\.)experts(\.|$)/.test(path)) return false;
    return !patterns.some((p) => p.test(path));
  };
  cfg.warnings.push(
    `${cfg.context}: quantized checkpoint (${method}, ${bits}-bit): Linear weights are read at ${+bytesPerWeight.toFixed(4)} bytes each${expertsOnly ? ' (experts only)' : ''}, activations stay at the compute dtype; the bundled profiles were measured on unquantized models, so dequantization costs are not in them`,
  );
  return { method, bits, bytesPerWeight, applies };
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * A `modules_to_not_convert` entry (`lm_head`, `model.layers.*.self_attn`)
 * as a regex over tree paths: the model prefix dropped, `*` one path
 * segment, matched at segment boundaries anywhere in the path.
 */
function modulePattern(name: string): RegExp {
  const body = name
    .replace(/^model\./, '')
    .split('.')
    .map((seg) => seg.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^.]+'))
    .join('\\.');
  return new RegExp(`(^|\\.)${body}(\\.|$)`);
}
