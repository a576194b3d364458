/**
 * Streaming decode of an ONNX ModelProto with a small hand-written protobuf
 * wire reader over the file's bytes. Only the structure is read: each
 * TensorProto's payload (raw_data, typed data fields, external data) is
 * skipped by its declared length, so a 2 GB model with embedded weights costs
 * memory in proportion to its node count, not its weights. Field numbers
 * follow onnx.proto3 up to IR version 10 (onnx-proto's generated classes stop
 * at IR 7 and drop node metadata_props, which the PyTorch exporter uses for
 * module scopes).
 *
 * The reader is hand-written rather than protobufjs' Reader because a 10k-node
 * graph reads about a million varints: protobufjs allocates a LongBits object
 * for every int64 and this decoder used to allocate a [field, wire] pair for
 * every tag; both were a visible share of the import's garbage collection.
 */
import { MalformedFileError, throwIfAborted } from '../../errors.js';
import type {
  OnnxAttribute,
  OnnxDim,
  OnnxFunction,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxTensorType,
  OnnxValueInfo,
} from './onnxModel.js';
import { onnxDtypeBytes } from './onnxModel.js';
import { MAX_ONNX_NODES, onnxTooLargeError } from '../../limits/workBudgets.js';

/** Tensors with at most this many elements keep their values (shape constants, scalars). */
export const SMALL_TENSOR_ELEMENTS = 1024;

/** Deepest sub-graph nesting accepted (If inside Loop inside ...); real exports use 2-3. */
export const MAX_GRAPH_DEPTH = 16;

/** Deepest TypeProto nesting accepted (sequence of optional of ...). */
const MAX_TYPE_DEPTH = 8;

/** Node / value / tensor metadata the importer reads (module scopes, classes, renamed weights). */
export const METADATA_KEYS: ReadonlySet<string> = new Set([
  'pkg.torch.onnx.name_scopes',
  'pkg.torch.onnx.class_hierarchy',
  'pkg.onnxscript.optimizer.folded_from',
]);

/** Wire types used by proto3. Groups (3, 4) never appear in ONNX files. */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** 2^32, to combine the two 32-bit halves of an int64. */
const TWO_32 = 4294967296;

/** Decodes UTF-8 where Node's Buffer is missing (a browser host); same replacement of bad bytes as Buffer. */
let utf8Decoder: InstanceType<typeof TextDecoder> | undefined;

/**
 * The metadata of every node, value and tensor that has none (nearly all of them): one frozen
 * object instead of ten thousand empty ones kept alive for the whole import.
 */
const NO_METADATA: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** A copy of a pushed-to array with no spare slots (push leaves room for 16), for arrays the import keeps. */
function trimmed<T>(items: T[]): T[] {
  return items.length === 0 ? EMPTY_LIST : items.slice();
}
/** The shared empty list of trimmed(); the decoded model is read, never appended to. */
const EMPTY_LIST: never[] = [];

class Decoder {
  private nodesSeen = 0;
  /** Read position, a byte offset into `buf`. */
  pos = 0;
  /** Wire type of the tag that `tag()` read last. */
  private wire = 0;
  private readonly len: number;
  private readonly view: DataView;
  private readonly asBuffer: Buffer | undefined;

  constructor(
    readonly buf: Uint8Array,
    private readonly signal: AbortSignal | undefined,
    private readonly fileName: string,
  ) {
    this.len = buf.length;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    // Made once: a view per string (the worker hands over a plain Uint8Array) was garbage per name.
    this.asBuffer = bufferView(buf);
  }

  /** Reads a tag; returns its field number and leaves its wire type in `this.wire` (no pair to allocate). */
  private tag(): number {
    const t = this.varint32();
    const field = t >>> 3;
    this.wire = t & 7;
    if (field === 0) throw new WireError('field number 0');
    return field;
  }

  /** The next byte; a cut-off file throws here instead of reading `undefined`. */
  private byte(): number {
    if (this.pos >= this.len) throw new WireError(PAST_FILE_END);
    return this.buf[this.pos++]!;
  }

  /** A varint's low 32 bits, unsigned (tags, lengths; int32 after `| 0`). */
  private varint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    // One-byte varints (most tags, lengths and small integers) take the short way.
    if (pos < this.len) {
      const b = buf[pos]!;
      if (b < 128) {
        this.pos = pos + 1;
        return b;
      }
    }
    let value = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.len) {
        this.pos = pos;
        throw new WireError(PAST_FILE_END);
      }
      const b = buf[pos++]!;
      if (i < 5) value |= (b & 127) << (7 * i);
      if (b < 128) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    this.pos = pos;
    throw new WireError('a varint longer than 10 bytes');
  }

  /** A varint read as a signed int64, as the nearest double (ONNX dims and attributes fit 2^53). */
  private varint64(): number {
    if (this.pos < this.len) {
      const b = this.buf[this.pos]!;
      if (b < 128) {
        this.pos++;
        return b;
      }
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.byte();
      lo |= (b & 127) << (7 * i);
      if (b < 128) return lo;
    }
    let b = this.byte();
    lo = (lo | ((b & 127) << 28)) >>> 0;
    hi = (b & 127) >> 4;
    if (b < 128) return hi * TWO_32 + lo;
    for (let i = 0; i < 5; i++) {
      b = this.byte();
      hi = (hi | ((b & 127) << (7 * i + 3))) >>> 0;
      if (b < 128) return (hi | 0) * TWO_32 + lo;
    }
    throw new WireError('a varint longer than 10 bytes');
  }

  /** Advances over `n` bytes that must lie within the file. */
  private advance(n: number): void {
    if (this.pos + n > this.len) throw new WireError(PAST_FILE_END);
    this.pos += n;
  }

  private float(): number {
    const at = this.pos;
    this.advance(4);
    return this.view.getFloat32(at, true);
  }

  private double(): number {
    const at = this.pos;
    this.advance(8);
    return this.view.getFloat64(at, true);
  }

  /** End offset of a length-delimited field starting at the current position. */
  private lenEnd(wire: number, end: number): number {
    if (wire !== LEN) throw new WireError(`wire type ${wire} where a length-delimited field was expected`);
    const len = this.varint32();
    const stop = this.pos + len;
    if (stop > end) throw new WireError(`a field declares ${len} bytes but only ${end - this.pos} remain`);
    return stop;
  }

  private skip(wire: number, end: number): void {
    switch (wire) {
      case VARINT:
        this.varint64();
        break;
      case FIXED64:
        this.advance(8);
        break;
      case LEN:
        this.pos = this.lenEnd(wire, end);
        break;
      case FIXED32:
        this.advance(4);
        break;
      default:
        throw new WireError(`invalid wire type ${wire}`);
    }
    if (this.pos > end) throw new WireError('a field runs past the end of its message');
  }

  private str(wire: number, end: number): string {
    const stop = this.lenEnd(wire, end);
    const s = this.text(this.pos, stop);
    this.pos = stop;
    return s;
  }

  /**
   * The text of `buf[start, stop)`. Repeats (a tensor's name in its producer and each consumer)
   * are not interned: looking 48k strings up in a map cost a 10k-node import about 20 ms of a
   * 440 ms run, and saved no memory that showed (max RSS 96.3 MB with it, 95.8 MB without).
   */
  private text(start: number, stop: number): string {
    return start === stop ? '' : utf8(this.buf, this.asBuffer, start, stop);
  }

  private int(wire: number): number {
    if (wire !== VARINT) throw new WireError(`wire type ${wire} where an integer was expected`);
    return this.varint64();
  }

  /** A repeated int64 field, packed or not. */
  private ints(wire: number, end: number, out: number[]): void {
    if (wire === VARINT) {
      out.push(this.varint64());
      return;
    }
    const stop = this.lenEnd(wire, end);
    while (this.pos < stop) out.push(this.varint64());
    if (this.pos !== stop) throw new WireError('packed integers overrun their field');
  }

  /** A repeated float field, packed or not. */
  private floats(wire: number, end: number, out: number[]): void {
    if (wire === FIXED32) {
      out.push(this.float());
      return;
    }
    const stop = this.lenEnd(wire, end);
    if ((stop - this.pos) % 4 !== 0) throw new WireError('packed floats of odd length');
    while (this.pos < stop) out.push(this.float());
  }

  /** One element of a TensorProto's typed data field `field` (float_data, int32_data, ...). */
  private scalar(field: number): number {
    switch (field) {
      case 4:
        return this.float();
      case 10:
        return this.double();
      case 5:
        return this.varint32() | 0;
      default:
        return this.varint64();
    }
  }

  model(end: number): OnnxModel {
    const m: OnnxModel = {
      irVersion: 0,
      opsets: {},
      producerName: '',
      producerVersion: '',
      domain: '',
      modelVersion: 0,
      metadata: {},
      graph: emptyGraph(),
      functions: [],
    };
    let sawGraph = false;
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      switch (f) {
        case 1:
          m.irVersion = this.int(w);
          break;
        case 2:
          m.producerName = this.str(w, end);
          break;
        case 3:
          m.producerVersion = this.str(w, end);
          break;
        case 4:
          m.domain = this.str(w, end);
          break;
        case 5:
          m.modelVersion = this.int(w);
          break;
        case 7:
          m.graph = this.graph(this.lenEnd(w, end), 0);
          sawGraph = true;
          break;
        case 8: {
          const stop = this.lenEnd(w, end);
          let domain = '';
          let version = 0;
          while (this.pos < stop) {
            const g = this.tag();
            const gw = this.wire;
            if (g === 1) domain = this.str(gw, stop);
            else if (g === 2) version = this.int(gw);
            else this.skip(gw, stop);
          }
          m.opsets[domain === 'ai.onnx' ? '' : domain] = version;
          break;
        }
        case 14:
          m.metadata = this.entry(this.lenEnd(w, end), m.metadata);
          break;
        case 25:
          m.functions.push(this.func(this.lenEnd(w, end)));
          break;
        default:
          this.skip(w, end);
      }
    }
    if (!sawGraph) throw new WireError('no graph');
    return m;
  }

  /** A metadata entry; with `keep`, values of other keys (stack traces, FX dumps) are skipped undecoded. */
  private entry(end: number, into: Record<string, string>, keep?: ReadonlySet<string>): Record<string, string> {
    let key: string | undefined;
    let value = '';
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      if (f === 1) key = this.str(w, end);
      else if (f === 2 && (key === undefined || !keep || keep.has(key))) value = this.str(w, end);
      else this.skip(w, end);
    }
    if (key !== undefined && (!keep || keep.has(key))) {
      if (into === NO_METADATA) into = {};
      into[key] = value;
    }
    return into;
  }

  graph(end: number, depth: number): OnnxGraph {
    if (depth > MAX_GRAPH_DEPTH) throw new WireError(`sub-graphs nested deeper than ${MAX_GRAPH_DEPTH} levels, more than any real model`, false);
    const g = emptyGraph();
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      switch (f) {
        case 1:
          g.nodes.push(this.node(this.lenEnd(w, end), depth));
          if (++this.nodesSeen % 2048 === 0) throwIfAborted(this.signal);
          // Refused while decoding, before the nodes past the limit take memory and time.
          if (this.nodesSeen > MAX_ONNX_NODES) throw onnxTooLargeError(this.fileName);
          break;
        case 2:
          g.name = this.str(w, end);
          break;
        case 5:
          g.initializers.push(this.tensor(this.lenEnd(w, end)));
          break;
        case 11:
          g.inputs.push(this.valueInfo(this.lenEnd(w, end)));
          break;
        case 12:
          g.outputs.push(this.valueInfo(this.lenEnd(w, end)));
          break;
        case 13:
          g.valueInfo.push(this.valueInfo(this.lenEnd(w, end)));
          break;
        default:
          this.skip(w, end);
      }
    }
    return g;
  }

  node(end: number, depth: number): OnnxNode {
    const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [], metadata: NO_METADATA };
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      switch (f) {
        case 1:
          n.inputs.push(this.str(w, end));
          break;
        case 2:
          n.outputs.push(this.str(w, end));
          break;
        case 3:
          n.name = this.str(w, end);
          break;
        case 4:
          n.opType = this.str(w, end);
          break;
        case 5:
          n.attributes.push(this.attribute(this.lenEnd(w, end), depth));
          break;
        case 7:
          n.domain = this.str(w, end);
          break;
        case 9:
          n.metadata = this.entry(this.lenEnd(w, end), n.metadata, METADATA_KEYS);
          break;
        default:
          this.skip(w, end);
      }
    }
    if (n.domain === 'ai.onnx') n.domain = '';
    n.inputs = trimmed(n.inputs);
    n.outputs = trimmed(n.outputs);
    n.attributes = trimmed(n.attributes);
    return n;
  }

  private attribute(end: number, depth: number): OnnxAttribute {
    const a: OnnxAttribute = { name: '', type: 0 };
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      switch (f) {
        case 1:
          a.name = this.str(w, end);
          break;
        case 20:
          a.type = this.int(w);
          break;
        case 2:
          if (w !== FIXED32) throw new WireError('float attribute with a wrong wire type');
          a.f = this.float();
          break;
        case 3:
          a.i = this.int(w);
          break;
        case 4:
          a.s = this.str(w, end);
          break;
        case 5:
          a.t = this.tensor(this.lenEnd(w, end));
          break;
        case 6:
          a.g = this.graph(this.lenEnd(w, end), depth + 1);
          break;
        case 7:
          this.floats(w, end, (a.floats ??= []));
          break;
        case 8:
          this.ints(w, end, (a.ints ??= []));
          break;
        case 9:
          (a.strings ??= []).push(this.str(w, end));
          break;
        case 11:
          (a.graphs ??= []).push(this.graph(this.lenEnd(w, end), depth + 1));
          break;
        default:
          this.skip(w, end);
      }
    }
    if (a.ints) a.ints = a.ints.slice();
    if (a.floats) a.floats = a.floats.slice();
    return a;
  }

  private valueInfo(end: number): OnnxValueInfo {
    const v: OnnxValueInfo = { name: '', metadata: NO_METADATA };
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      if (f === 1) v.name = this.str(w, end);
      else if (f === 2) v.type = this.type(this.lenEnd(w, end), 0);
      else if (f === 4) v.metadata = this.entry(this.lenEnd(w, end), v.metadata, METADATA_KEYS);
      else this.skip(w, end);
    }
    return v;
  }

  /** TypeProto: tensor types are kept; sequence/optional unwrap to their element type. */
  private type(end: number, depth: number): OnnxTensorType | undefined {
    if (depth > MAX_TYPE_DEPTH) throw new WireError(`types nested deeper than ${MAX_TYPE_DEPTH} levels, more than any real model`, false);
    let out: OnnxTensorType | undefined;
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      if (f === 1 || f === 8) out = this.tensorType(this.lenEnd(w, end));
      else if (f === 4 || f === 9) {
        const stop = this.lenEnd(w, end);
        while (this.pos < stop) {
          const g = this.tag();
            const gw = this.wire;
          if (g === 1) out = this.type(this.lenEnd(gw, stop), depth + 1);
          else this.skip(gw, stop);
        }
      } else this.skip(w, end);
    }
    return out;
  }

  private tensorType(end: number): OnnxTensorType {
    const t: OnnxTensorType = { elemType: 0 };
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      if (f === 1) t.elemType = this.int(w);
      else if (f === 2) {
        const stop = this.lenEnd(w, end);
        const shape: OnnxDim[] = [];
        while (this.pos < stop) {
          const g = this.tag();
            const gw = this.wire;
          if (g !== 1) {
            this.skip(gw, stop);
            continue;
          }
          const dStop = this.lenEnd(gw, stop);
          let dim: OnnxDim;
          while (this.pos < dStop) {
            const h = this.tag();
            const hw = this.wire;
            if (h === 1) dim = this.int(hw);
            else if (h === 2) dim = this.str(hw, dStop);
            else this.skip(hw, dStop);
          }
          shape.push(dim);
        }
        t.shape = shape;
      } else this.skip(w, end);
    }
    return t;
  }

  /** TensorProto without its payload: raw_data and typed data are measured and skipped unless tiny. */
  tensor(end: number): OnnxTensor {
    const t: OnnxTensor = { name: '', dataType: 0, dims: [], external: false, embeddedBytes: 0, metadata: NO_METADATA };
    let raw: [number, number] | undefined;
    const typed: number[] = [];
    let typedOverflow = false;
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      switch (f) {
        case 1:
          this.ints(w, end, t.dims);
          break;
        case 2:
          t.dataType = this.int(w);
          break;
        case 8:
          t.name = this.str(w, end);
          break;
        case 9: {
          const stop = this.lenEnd(w, end);
          raw = [this.pos, stop];
          t.embeddedBytes += stop - this.pos;
          this.pos = stop;
          break;
        }
        case 4:
        case 5:
        case 7:
        case 10:
        case 11: {
          // Typed payloads: decode only while small, else skip by length.
          const start = this.pos;
          if (w === LEN) {
            const stop = this.lenEnd(w, end);
            const bytes = stop - this.pos;
            if (typedOverflow || bytes > SMALL_TENSOR_ELEMENTS * 10) {
              typedOverflow = true;
              this.pos = stop;
            } else {
              while (this.pos < stop) typed.push(this.scalar(f));
              if (this.pos !== stop) throw new WireError('packed tensor data overruns its field');
            }
          } else {
            typed.push(this.scalar(f));
          }
          t.embeddedBytes += this.pos - start;
          if (typed.length > SMALL_TENSOR_ELEMENTS) typedOverflow = true;
          break;
        }
        case 13: {
          const kv: Record<string, string> = {};
          this.entry(this.lenEnd(w, end), kv);
          if (kv.location !== undefined) t.externalLocation = kv.location;
          break;
        }
        case 14:
          t.external = this.int(w) === 1;
          break;
        case 16:
          t.metadata = this.entry(this.lenEnd(w, end), t.metadata, METADATA_KEYS);
          break;
        default:
          this.skip(w, end);
      }
    }
    for (const d of t.dims) {
      if (!Number.isSafeInteger(d) || d < 0) throw new WireError(`tensor "${t.name}" has an invalid dimension ${d}`);
    }
    t.dims = trimmed(t.dims);
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n <= SMALL_TENSOR_ELEMENTS) {
      if (raw) t.values = decodeRaw(this.buf, raw[0], raw[1], t.dataType, n);
      else if (!typedOverflow && typed.length === n) t.values = typed;
    }
    return t;
  }

  private func(end: number): OnnxFunction {
    const fn: OnnxFunction = { name: '', domain: '', inputs: [], outputs: [], attributeNames: [], nodes: [] };
    while (this.pos < end) {
      const f = this.tag();
      const w = this.wire;
      switch (f) {
        case 1:
          fn.name = this.str(w, end);
          break;
        case 4:
          fn.inputs.push(this.str(w, end));
          break;
        case 5:
          fn.outputs.push(this.str(w, end));
          break;
        case 6:
          fn.attributeNames.push(this.str(w, end));
          break;
        case 7:
          fn.nodes.push(this.node(this.lenEnd(w, end), 1));
          break;
        case 10:
          fn.domain = this.str(w, end);
          break;
        default:
          this.skip(w, end);
      }
    }
    return fn;
  }
}

/** Decodes a small little-endian raw_data payload; undefined for types we do not fold. */
function decodeRaw(buf: Uint8Array, start: number, stop: number, dataType: number, n: number): number[] | undefined {
  const size = onnxDtypeBytes(dataType);
  if (size < 1 || stop - start !== size * n) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset + start, stop - start);
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    switch (dataType) {
      case 1:
        out[i] = view.getFloat32(o, true);
        break;
      case 11:
        out[i] = view.getFloat64(o, true);
        break;
      case 6:
        out[i] = view.getInt32(o, true);
        break;
      case 12:
        out[i] = view.getUint32(o, true);
        break;
      case 7:
        out[i] = Number(view.getBigInt64(o, true));
        break;
      case 13:
        out[i] = Number(view.getBigUint64(o, true));
        break;
      case 2:
      case 9:
        out[i] = view.getUint8(o);
        break;
      case 3:
        out[i] = view.getInt8(o);
        break;
      case 5:
        out[i] = view.getInt16(o, true);
        break;
      case 4:
        out[i] = view.getUint16(o, true);
        break;
      case 10:
        out[i] = halfToFloat(view.getUint16(o, true));
        break;
      case 16:
        out[i] = bf16ToFloat(view.getUint16(o, true));
        break;
      default:
        return undefined;
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function bf16ToFloat(b: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, b << 16);
  return v.getFloat32(0);
}

function emptyGraph(): OnnxGraph {
  return { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
}

/** What a read past the last byte says (a cut-off file). */
const PAST_FILE_END = 'a field runs past the end of the file';

/** A Buffer over the same bytes (no copy) where Node's Buffer exists, for its native UTF-8 decoding. */
function bufferView(buf: Uint8Array): Buffer | undefined {
  if (typeof Buffer === 'undefined') return undefined;
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** UTF-8 text of `buf[start, stop)`: Node's native decoding on the Buffer view, else TextDecoder. */
function utf8(buf: Uint8Array, asBuffer: Buffer | undefined, start: number, stop: number): string {
  if (asBuffer !== undefined) return asBuffer.toString('utf8', start, stop);
  utf8Decoder ??= new TextDecoder();
  return utf8Decoder.decode(buf.subarray(start, stop));
}

/** A structural problem found while decoding (turned into MalformedFileError with the offset). */
class WireError extends Error {
  constructor(
    message: string,
    /** Whether a cut-off or damaged file is the likely cause (worth saying to the user). */
    readonly corrupt = true,
  ) {
    super(message);
  }
}

/**
 * Decodes the structure of an ONNX model without copying weights.
 * @param bytes the whole file (views into it are kept for small constants only).
 * @param fileName used in error messages.
 * @throws MalformedFileError when the bytes are not a well-formed ModelProto.
 */
export function decodeOnnxModel(bytes: Uint8Array, fileName: string, signal?: AbortSignal): OnnxModel {
  if (bytes.length === 0) throw new MalformedFileError(`${fileName}: the file is empty, not an ONNX model`);
  // A ModelProto starts with a small varint/len field (ir_version = field 1 is usual).
  const first = bytes[0]!;
  const field = first >>> 3;
  const wire = first & 7;
  if (field === 0 || field > 25 || !(wire === VARINT || wire === LEN)) {
    throw new MalformedFileError(`${fileName}: not an ONNX model (the first byte 0x${first.toString(16).padStart(2, '0')} is no ModelProto field)`);
  }
  const decoder = new Decoder(bytes, signal, fileName);
  try {
    const model = decoder.model(bytes.length);
    if (model.irVersion < 1 || model.irVersion > 64) {
      throw new WireError(`implausible IR version ${model.irVersion}`);
    }
    return model;
  } catch (err) {
    if (err instanceof WireError || err instanceof RangeError || (err instanceof Error && !('code' in err))) {
      const why = err instanceof WireError ? err.message : PAST_FILE_END;
      const hint = err instanceof WireError && !err.corrupt ? '' : '; truncated or corrupt file?';
      throw new MalformedFileError(`${fileName}: not a valid ONNX model (${why} near byte ${decoder.pos} of ${bytes.length}${hint})`);
    }
    throw err;
  }
}
