/**
 * The engine's public surface. The CLI, the extension, the worker and the
 * webview's view model import only from here.
 */
export * from './tree/modelNode.js';
export * from './tree/treeWalk.js';
export * from './tree/primitiveKind.js';
export * from './errors.js';
export * from './features/primitiveCost.js';
export type { ImportInput, ImportOptions, Importer } from './importers/importer.js';
export { importModel, findImporter, listImporters, registerImporter, validateImportOptions } from './importers/registry.js';
export * from './report/predictionReport.js';
export * from './report/formatUnits.js';
export { registerBuiltinImporters } from './importers/builtinImporters.js';
export { analyzePythonModels, buildPythonModelTree, type PythonAnalysis, type PythonClass, type PythonLayer, type PythonFunctionalOp, type PythonSyntaxError, type PythonUnresolved, type AnalyzePythonOptions, type BuildPythonTreeOptions, type SourceRange, type SourcePos } from './importers/python/pythonModelAnalyzer.js';
export { pythonImporter, importPythonModel, pickRootModelClass, type PythonImportOptions } from './importers/python/pythonImporter.js';
