/**
 * Hugging Face activation names (`hidden_act`, `activation_function`, `afn`,
 * `activation`) mapped to the module class transformers instantiates for them
 * (transformers 5 `ACT2CLS`) and its FLOPs per element (primitiveCost.ts
 * conventions: gelu family 8, tanh / silu / sigmoid 4, relu 1).
 */
import { MalformedFileError } from '../errors.js';
import { FLOPS_PER_ELEMENT } from '../features/primitiveCost.js';
import { ownValue } from '../ownKey.js';

/** The module an activation name becomes, and its cost per element (FLOPs). */
export interface ActivationSpec {
  /** Python class name, as the measured trees record it. */
  instanceType: string;
  /** FLOPs per element. */
  flopsPerElement: number;
}

const ACTIVATIONS: Record<string, ActivationSpec> = {
  gelu: { instanceType: 'GELUActivation', flopsPerElement: FLOPS_PER_ELEMENT.gelu },
  gelu_python: { instanceType: 'GELUActivation', flopsPerElement: FLOPS_PER_ELEMENT.gelu },
  gelu_new: { instanceType: 'NewGELUActivation', flopsPerElement: FLOPS_PER_ELEMENT.gelu },
  gelu_fast: { instanceType: 'FastGELUActivation', flopsPerElement: FLOPS_PER_ELEMENT.gelu },
  gelu_accurate: { instanceType: 'AccurateGELUActivation', flopsPerElement: FLOPS_PER_ELEMENT.gelu },
  gelu_pytorch_tanh: { instanceType: 'PytorchGELUTanh', flopsPerElement: FLOPS_PER_ELEMENT.gelu },
  quick_gelu: { instanceType: 'QuickGELUActivation', flopsPerElement: FLOPS_PER_ELEMENT.gelu },
  silu: { instanceType: 'SiLUActivation', flopsPerElement: FLOPS_PER_ELEMENT.silu },
  swish: { instanceType: 'SiLUActivation', flopsPerElement: FLOPS_PER_ELEMENT.silu },
  relu: { instanceType: 'ReLU', flopsPerElement: FLOPS_PER_ELEMENT.relu },
  tanh: { instanceType: 'Tanh', flopsPerElement: FLOPS_PER_ELEMENT.tanh },
  sigmoid: { instanceType: 'Sigmoid', flopsPerElement: FLOPS_PER_ELEMENT.sigmoid },
};

/** Activation names this engine knows. */
export const SUPPORTED_ACTIVATIONS: readonly string[] = Object.keys(ACTIVATIONS);

/**
 * The module for an HF activation name.
 * @param key the config key it came from, for the error message
 * @throws MalformedFileError for a name transformers would not accept either
 */
export function activationFor(name: string, key: string, context: string): ActivationSpec {
  const spec = ownValue(ACTIVATIONS, name);
  if (!spec) {
    throw new MalformedFileError(`${context}: unsupported ${key} "${name}" (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`);
  }
  return spec;
}
