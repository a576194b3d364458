/**
 * The parts of an ONNX model the importer reads: graph structure, value types
 * and each initializer's name, dtype and dims. Weight payloads are never
 * copied: small constants keep a view into the file's bytes (for constant
 * folding of shape sub-graphs), large ones keep only their length.
 */

/** ONNX TensorProto.DataType codes (subset with names for messages). */
export const ONNX_DTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'undefined',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
  23: 'float4e2m1',
};

/** Bytes per element of an ONNX data type (bytes); 0 when not a fixed-size type. */
export function onnxDtypeBytes(dataType: number): number {
  switch (dataType) {
    case 1:
    case 6:
    case 12:
      return 4;
    case 7:
    case 11:
    case 13:
    case 14:
      return 8;
    case 15:
      return 16;
    case 2:
    case 3:
    case 9:
    case 17:
    case 18:
    case 19:
    case 20:
      return 1;
    case 4:
    case 5:
    case 10:
    case 16:
      return 2;
    case 21:
    case 22:
    case 23:
      return 0.5;
    default:
      return 0;
  }
}

/** One dimension of a declared shape: a number, a symbolic name, or unknown. */
export type OnnxDim = number | string | undefined;

/** A tensor's declared element type and shape (shape undefined when the rank is unknown). */
export interface OnnxTensorType {
  elemType: number;
  shape?: OnnxDim[];
}

/** A graph input, output or value_info entry. */
export interface OnnxValueInfo {
  name: string;
  type?: OnnxTensorType;
  metadata: Record<string, string>;
}

/**
 * An initializer or a tensor attribute. `values` holds decoded numbers only
 * for small integer/float tensors (shape constants); weights keep none.
 */
export interface OnnxTensor {
  name: string;
  dataType: number;
  dims: number[];
  /** Decoded values of small tensors (at most SMALL_TENSOR_ELEMENTS), for constant folding. */
  values?: number[];
  /** Whether the payload lives in an external file (`data_location = EXTERNAL`). */
  external: boolean;
  /** `location` key of the external data, when external. */
  externalLocation?: string;
  /** Bytes of payload stored inside the file (raw_data or typed fields), never read. */
  embeddedBytes: number;
  metadata: Record<string, string>;
}

/** An attribute of a node; only the fields used by shape inference are kept. */
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats?: number[];
  ints?: number[];
  strings?: string[];
  graphs?: OnnxGraph[];
}

/** One node of a graph. */
export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
  metadata: Record<string, string>;
}

/** A graph (the main one or a sub-graph of If/Loop/Scan). */
export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

/** A model-local function (IR >= 8). */
export interface OnnxFunction {
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributeNames: string[];
  nodes: OnnxNode[];
}

/** A decoded model (structure only). */
export interface OnnxModel {
  irVersion: number;
  /** Opset version per domain ('' = ai.onnx). */
  opsets: Record<string, number>;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  metadata: Record<string, string>;
  graph: OnnxGraph;
  functions: OnnxFunction[];
}

/** Attribute type codes (AttributeProto.AttributeType). */
export const ATTR = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

/** Integer attribute of a node, or the default. */
export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.find((x) => x.name === name);
  return a?.i ?? fallback;
}

/** Float attribute of a node, or the default. */
export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.find((x) => x.name === name);
  return a?.f ?? fallback;
}

/** Integer-list attribute of a node, or undefined. */
export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  return node.attributes.find((x) => x.name === name)?.ints;
}
