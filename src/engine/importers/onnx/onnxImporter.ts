/**
 * The ONNX importer: recognises `.onnx` files (by extension or by the first
 * bytes of a ModelProto) and builds the model tree from the graph alone;
 * weights, embedded or external, are never read.
 */
import type { ModelTree } from '../../tree/modelNode.js';
import type { ImportInput, Importer } from '../importer.js';
import { buildOnnxTree, type OnnxImportOptions } from './buildOnnxTree.js';
import { decodeOnnxModel } from './decodeOnnxModel.js';

/** ModelProto field tags that may follow ir_version (field 1) at the start of a file. */
const SECOND_TAGS = new Set([0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72]);

/** Whether the bytes look like a serialized ModelProto: `ir_version` first, then another ModelProto field. */
export function looksLikeOnnx(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0x08 && head[1]! >= 1 && head[1]! <= 20 && SECOND_TAGS.has(head[2]!);
}

/** Builds the model tree of an ONNX file (structure only). */
export function parseOnnx(input: ImportInput, options: OnnxImportOptions): ModelTree {
  const model = decodeOnnxModel(input.bytes, input.fileName, options.signal);
  return buildOnnxTree(model, options, input.fileName).tree;
}

/** Importer for `.onnx` graphs; `parse` accepts `OnnxImportOptions` (an optional HF `config` names the classes). */
export const onnxImporter: Importer = {
  id: 'onnx',
  match(fileName: string, head: Uint8Array): boolean {
    try {
      return /\.onnx$/i.test(fileName) || looksLikeOnnx(head);
    } catch {
      return false;
    }
  },
  parse(input: ImportInput, options: OnnxImportOptions): ModelTree {
    return parseOnnx(input, options);
  },
};
