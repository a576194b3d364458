/**
 * The panel's view model: pure functions from predictions to what the Energy
 * panel draws and exports. The webview imports this file rather than
 * src/engine/index.ts so its bundle does not carry the importers and the
 * predictor (protobuf, parsers) it never runs.
 */
export * from './kindGroup.js';
export * from './energyHierarchy.js';
export * from './icicleLayout.js';
export * from './icicleSvg.js';
export * from './bottlenecks.js';
export * from './whatIf.js';
export * from './sweepChartSvg.js';
export * from './compareTrees.js';
export * from './panelExports.js';
export * from './configFields.js';
export * from './breakdownView.js';
export * from './markup.js';
export * from './configKeyNodes.js';
export * from './treeDiff.js';
export * from './generationChartSvg.js';
