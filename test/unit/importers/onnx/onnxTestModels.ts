/**
 * Small ONNX models built in the tests with onnx-proto's encoder (an
 * implementation independent of the importer's decoder), plus the writer of
 * the broken-file fixtures in test/fixtures/onnx/broken/.
 */
import pkg from 'onnx-proto';

const { onnx } = pkg;
type IGraph = pkg.onnx.IGraphProto;
type INode = pkg.onnx.INodeProto;

/** A float32 value_info with symbolic or fixed dims. */
export function valueInfo(name: string, dims: (number | string)[], elemType = 1): pkg.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** An initializer of zeros with raw_data (embedded weights). */
export function weight(name: string, dims: number[]): pkg.onnx.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dims, dataType: 1, rawData: new Uint8Array(4 * n) };
}

/** Encodes a model around a graph. */
export function encodeModel(graph: IGraph, extra: Partial<pkg.onnx.IModelProto> = {}): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'irene-tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph,
    ...extra,
  }).finish();
}

/** x[batch, sequence, 8] -> MatMul(W 8x8) -> extra nodes -> y. */
export function linearGraph(extraNodes: INode[] = [], last = 'h'): IGraph {
  return {
    name: 'g',
    input: [valueInfo('x', ['batch', 'sequence', 8])],
    output: [valueInfo(last, ['batch', 'sequence', 8])],
    initializer: [weight('proj.weight', [8, 8])],
    node: [{ name: 'mm', opType: 'MatMul', input: ['x', 'proj.weight'], output: ['h'] }, ...extraNodes],
  };
}

/** If nodes nested `depth` levels deep inside each other's then branches. */
export function nestedIfGraph(depth: number): IGraph {
  const leaf: IGraph = { name: 'leaf', node: [{ opType: 'Identity', input: ['c'], output: ['o0'] }], output: [valueInfo('o0', [1])] };
  let inner = leaf;
  for (let d = 1; d <= depth; d++) {
    inner = {
      name: `g${d}`,
      node: [
        {
          opType: 'If',
          input: ['c'],
          output: [`o${d}`],
          attribute: [
            { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: inner },
            { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: leaf },
          ],
        },
      ],
      output: [valueInfo(`o${d}`, [1])],
    };
  }
  return { ...inner, input: [valueInfo('c', [1], 9)] };
}

/** Files of test/fixtures/onnx/broken and the start of the message each must give (see expected-errors.json). */
export function brokenFixtures(): Record<string, Uint8Array> {
  const enc = new TextEncoder();
  // Seeded bytes, so the fixture is the same on every run.
  let seed = 12345;
  const random = new Uint8Array(4096).map(() => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 24;
  });
  random[0] = 0x08; // looks like ir_version, so the decoder (not the first-byte check) has to reject it
  const valid = encodeModel(linearGraph());
  // graph field (7, length-delimited) declaring 2^28 bytes in a 40-byte file.
  const overflow = new Uint8Array([0x08, 0x08, 0x3a, 0x80, 0x80, 0x80, 0x80, 0x01, ...valid.subarray(0, 32)]);
  return {
    'empty.onnx': new Uint8Array(0),
    'png.onnx': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]),
    'json.onnx': enc.encode('{"model_type": "bert", "hidden_size": 768}\n'),
    'random.onnx': random,
    'length-overflow.onnx': overflow,
    'deep-nesting.onnx': encodeModel(nestedIfGraph(40)),
    'cyclic.onnx': encodeModel({
      name: 'cyclic',
      input: [valueInfo('x', [1, 8])],
      output: [valueInfo('b', [1, 8])],
      node: [
        { name: 'a', opType: 'Add', input: ['x', 'b'], output: ['a'] },
        { name: 'r', opType: 'Relu', input: ['a'], output: ['b'] },
      ],
    }),
    'truncated-half.onnx': valid.subarray(0, Math.floor(valid.length / 2)),
  };
}
