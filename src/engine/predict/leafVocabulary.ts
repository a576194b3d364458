/**
 * Which primitives a profile's training trees listed as nodes of their own.
 *
 * Measured trees differ in granularity: the IrEne paper's CSVs list Linear,
 * LayerNorm, Embedding, Tanh, MatMul and Softmax, but not the GELU, adds and
 * copies that ran inside the same modules; their energy is part of the
 * parent module's measurement, and the profile's weighting learned that. A
 * config, ONNX or Python tree lists every op. Predicting such a tree with
 * that profile must first drop the ops its training data never listed, or the
 * parents would count them twice (bert-base on irene-device-1 came out about
 * three times the measured energy before this).
 */
import type { ModelNode, ModelTree, PrimitiveKind } from '../tree/modelNode.js';
import { primitiveKindOf } from '../tree/primitiveKind.js';

/**
 * Kinds every measured tree lists whenever they run (they are nn.Modules or
 * the attention products): always kept, and predicted by the fallback where
 * the profile has no regression for them.
 */
const ALWAYS_LISTED: ReadonlySet<PrimitiveKind> = new Set<PrimitiveKind>(['linear', 'matmul', 'softmax', 'layernorm', 'rmsnorm', 'embedding', 'conv']);

/** Spellings of one activation across HF classes, functional ops and ONNX names. */
function activationKey(type: string): string {
  const t = type.toLowerCase();
  if (t.includes('gelu')) return 'gelu';
  if (t.includes('silu') || t === 'swish') return 'silu';
  return t.replace(/activation$/, '');
}

/**
 * The key a primitive is listed under: `kind:<kind>` for kinds every tree
 * lists, else its normalised op (`gelu`, `add`, `contiguous` ...).
 */
export function vocabularyKey(node: ModelNode): string {
  const kind = node.kind ?? primitiveKindOf(node.instanceType);
  if (ALWAYS_LISTED.has(kind)) return `kind:${kind}`;
  if (kind === 'activation') return activationKey(node.instanceType);
  return node.instanceType.toLowerCase();
}

/** The sorted keys of every primitive (leaf) in the trees. */
export function leafVocabulary(trees: readonly ModelTree[]): string[] {
  const keys = new Set<string>();
  const visit = (n: ModelNode): void => {
    if (n.children.length === 0 && n.type === 'ml') keys.add(vocabularyKey(n));
    for (const c of n.children) visit(c);
  };
  for (const t of trees) visit(t.root);
  return [...keys].sort();
}

/** A tree cut down to what a profile's training trees listed, and what was cut. */
export interface ProjectedTree {
  tree: ModelTree;
  /** Instance types dropped, with how many nodes of each. */
  dropped: Map<string, number>;
}

/**
 * Drops the primitives a profile never saw listed (see the file comment),
 * when its training trees were coarse (no element-wise ops listed).
 * Modules keep their own FLOPs and bytes, which include the dropped work, as
 * the measured modules did. The input tree is not modified.
 */
export function projectToVocabulary(tree: ModelTree, vocabulary: readonly string[]): ProjectedTree {
  const known = new Set(vocabulary);
  // Trees that list element-wise ops list every op (the H100 and harness trees): there an op the
  // profile never saw is new work, predicted by the fallback, not work hidden in its parent.
  if (vocabulary.some((k) => primitiveKindOf(k) === 'elementwise')) return { tree, dropped: new Map() };
  const dropped = new Map<string, number>();
  const keep = (n: ModelNode): boolean => {
    if (n.children.length > 0 || n.type !== 'ml') return true;
    const key = vocabularyKey(n);
    if (key.startsWith('kind:') || known.has(key)) return true;
    dropped.set(n.instanceType, (dropped.get(n.instanceType) ?? 0) + 1);
    return false;
  };
  // Unchanged subtrees are shared, not copied: most trees lose nothing.
  const copy = (n: ModelNode): ModelNode => {
    if (n.children.length === 0) return n;
    const children = n.children.filter(keep).map(copy);
    return children.length === n.children.length && children.every((c, i) => c === n.children[i]) ? n : { ...n, children };
  };
  const root = copy(tree.root);
  return { tree: root === tree.root ? tree : { ...tree, root }, dropped };
}
