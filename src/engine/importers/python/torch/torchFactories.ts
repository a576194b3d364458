/**
 * `torch.*` functions that are not primitives of the trees: tensor factories
 * (`torch.zeros`, `torch.arange`), shape-only helpers (`torch.stack`,
 * `torch.outer`) and the context managers and dtype info modelling files use.
 * One handler per function; a name without one gives `undefined` so that the
 * caller can report it.
 */
import type { SourceRange } from '../pyAst.js';
import { NONE, asNumber, num, tensor, whyUnknown, type Dim, type Value } from '../pythonValue.js';
import type { TorchContext } from './torchContext.js';

/** A torch function: arguments in, a value out; `text` is the call as written (for unknown dims). */
export type TorchFactory = (ctx: TorchContext, pos: Value[], kw: Map<string, Value>, text: string, range: SourceRange) => Value;

const firstWhy = (pos: Value[]): string | undefined => pos.map(whyUnknown).find((w) => w);

/** `torch.zeros(2, 3)`, `torch.zeros((2, 3))`, `torch.zeros(size=(2, 3))`. */
function shapeArgs(pos: Value[], kw: Map<string, Value>): Dim[] {
  const first = pos[0] ?? kw.get('size');
  const items = first?.t === 'seq' ? first.items : pos.filter((p) => p.t === 'num' || p.t === 'unknown');
  return items.map(asNumber);
}

const create: TorchFactory = (_ctx, pos, kw, text) => tensor(shapeArgs(pos, kw), firstWhy(pos) ?? text);
const like: TorchFactory = (_ctx, pos, _kw, text) => (pos[0]?.t === 'tensor' ? tensor(pos[0].shape, pos[0].why, pos[0].int) : tensor(undefined, text));
const identity: TorchFactory = (_ctx, pos, kw) => pos[0] ?? kw.get('input') ?? NONE;
const nothing: TorchFactory = () => NONE;

/** torch.* non-primitive functions by last name. */
export const TORCH_FACTORIES: Readonly<Record<string, TorchFactory>> = {
  ones: create,
  zeros: create,
  empty: create,
  randn: create,
  rand: create,
  full: (_ctx, pos, _kw, text) => tensor(pos[0]?.t === 'seq' ? pos[0].items.map(asNumber) : undefined, firstWhy(pos) ?? text),
  ones_like: like,
  zeros_like: like,
  empty_like: like,
  full_like: like,
  tril: like,
  triu: like,
  sin: like,
  cos: like,
  clone: like,
  abs: like,
  cumsum: like,
  polar: like,
  view_as_complex: (_ctx, pos, _kw, text) => (pos[0]?.t === 'tensor' && pos[0].shape ? tensor(pos[0].shape.slice(0, -1), pos[0].why) : tensor(undefined, text)),
  view_as_real: (_ctx, pos, _kw, text) => (pos[0]?.t === 'tensor' && pos[0].shape ? tensor([...pos[0].shape, 2], pos[0].why) : tensor(undefined, text)),
  arange: (_ctx, pos, _kw, text) => {
    const nums = pos.map(asNumber);
    if (nums.length === 0 || nums.some((n) => n === undefined)) return tensor([undefined], firstWhy(pos) ?? text, true);
    const [a, b, s] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
    return tensor([Math.max(0, Math.ceil((b - a) / s))], undefined, true);
  },
  outer: (_ctx, pos) => {
    const a = pos[0]?.t === 'tensor' ? pos[0].shape?.[0] : undefined;
    const b = pos[1]?.t === 'tensor' ? pos[1].shape?.[0] : undefined;
    return tensor([a, b], firstWhy(pos));
  },
  stack: (_ctx, pos, kw) => {
    const list = pos[0]?.t === 'seq' ? pos[0].items : [];
    const s = list[0]?.t === 'tensor' ? list[0].shape : undefined;
    const dim = asNumber(pos[1] ?? kw.get('dim')) ?? 0;
    if (!s) return tensor(undefined, firstWhy(pos));
    const out = s.slice();
    out.splice(dim < 0 ? s.length + 1 + dim : dim, 0, list.length);
    return tensor(out, firstWhy(pos));
  },
  tensor: () => tensor([]),
  // Identity at inference (eval mode), as nn.Dropout.
  dropout: identity,
  dropout1d: identity,
  dropout2d: identity,
  alpha_dropout: identity,
  feature_alpha_dropout: identity,
  finfo: () => ({ t: 'obj', name: 'torch.finfo', attrs: new Map([['min', num(-3.4e38)], ['max', num(3.4e38)]]) }),
  iinfo: () => ({ t: 'obj', name: 'torch.iinfo', attrs: new Map([['min', num(-2147483648)], ['max', num(2147483647)]]) }),
  no_grad: nothing,
  autocast: nothing,
  inference_mode: nothing,
  manual_seed: nothing,
};

/** The factory for `torch.<name>`, if there is one. */
export function torchFactory(name: string): TorchFactory | undefined {
  return Object.hasOwn(TORCH_FACTORIES, name) ? TORCH_FACTORIES[name] : undefined;
}
