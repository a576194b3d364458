import { hfConfigImporter } from './hfConfig/hfConfigImporter.js';
import { ireneDataImporter } from './ireneData/ireneDataImporter.js';
import { onnxImporter } from './onnx/onnxImporter.js';
import { pythonImporter } from './python/pythonImporter.js';
import { registerImporter } from './registry.js';

/**
 * Registers every importer that ships with IrEne, most specific first.
 * Idempotent: adapters call it once at start-up.
 */
export function registerBuiltinImporters(): void {
  registerImporter(onnxImporter);
  registerImporter(hfConfigImporter);
  registerImporter(pythonImporter);
  registerImporter(ireneDataImporter);
}
