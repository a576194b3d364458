/**
 * Command ids, view ids, context keys, the ONNX text scheme and language:
 * declared once, used by the code and mirrored in package.json (a unit test
 * checks the manifest against these).
 */

export const COMMANDS = {
  refresh: 'irene.refresh',
  changeProfile: 'irene.changeProfile',
  changeSetting: 'irene.changeSetting',
  sortByEnergy: 'irene.sortByEnergy',
  sortByModelOrder: 'irene.sortByModelOrder',
  revealInSource: 'irene.revealInSource',
  revealInTree: 'irene.revealInTree',
  openOnnxAsText: 'irene.openOnnxAsText',
  toggleInlineAnnotations: 'irene.toggleInlineAnnotations',
  showLog: 'irene.showLog',
  openPanel: 'irene.openPanel',
  calibrate: 'irene.calibrate',
  traceWithPython: 'irene.traceWithPython',
  setTreePhase: 'irene.setTreePhase',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

export const VIEW_CONTAINER_ID = 'irene';
export const ENERGY_TREE_VIEW_ID = 'irene.energyTree';

/** Context keys the manifest's `when` clauses read. */
export const CONTEXT_KEYS = {
  sortByEnergy: 'irene.sortByEnergy',
  hasModels: 'irene.hasModels',
} as const;

/** Scheme of the read-only ONNX text documents. */
export const ONNX_TEXT_SCHEME = 'irene-onnx';
/** Language id of the ONNX text view (grammar scope `source.onnx-text`). */
export const ONNX_TEXT_LANGUAGE = 'onnx-text';
/** View type of the custom editor for `*.onnx`. */
export const ONNX_EDITOR_VIEW_TYPE = 'irene.onnxSummary';

/** Theme colours of the inline annotations, by share level. */
export const ANNOTATION_COLORS = {
  low: 'irene.annotation.low',
  medium: 'irene.annotation.medium',
  high: 'irene.annotation.high',
} as const;
