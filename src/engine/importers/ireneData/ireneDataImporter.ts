import { UnsupportedFormatError } from '../../errors.js';
import type { ImportInput, ImportOptions, Importer } from '../importer.js';
import type { ModelTree } from '../../tree/modelNode.js';
import { isGzip, loadIreneJsonl } from './loadIreneJsonl.js';

/**
 * Importer for IrEne JSONL tree files (`.jsonl`, `.jsonl.gz`), so that
 * `irene predict trees.jsonl` predicts a measured tree and the result can be
 * compared with its measurement. The file's own batch size, sequence length
 * and dtype describe the tree; the options only pick which line: the first
 * line matching batch size, sequence length and dtype, else the first line
 * (with a warning on the tree saying so).
 */
export const ireneDataImporter: Importer = {
  id: 'irene-jsonl',
  match(fileName: string, head: Uint8Array): boolean {
    const name = fileName.toLowerCase();
    if (name.endsWith('.jsonl.gz')) return isGzip(head);
    if (!name.endsWith('.jsonl')) return false;
    const text = new TextDecoder().decode(head);
    if (text.includes('"frontend_tree"')) return true;
    // model_level.jsonl (whole-model energies, no trees) also names models; it is not a model file.
    return text.includes('"model_name"') && !/"energies"\s*:/.test(text);
  },
  parse(input: ImportInput, options: ImportOptions): ModelTree {
    const trees = loadIreneJsonl(input.bytes, { fileName: input.fileName, skipModels: [], signal: options.signal });
    if (trees.length === 0) throw new UnsupportedFormatError(`${input.fileName}: no tree lines in this JSONL file`);
    const exact = trees.find(
      (t) => t.batchSize === options.batchSize && t.seqLen === options.seqLen && t.dtype === options.dtype,
    );
    if (exact) return exact;
    const first = trees[0]!;
    first.warnings.push(
      `${input.fileName} holds ${trees.length} tree(s) and none at batch ${options.batchSize}, sequence ${options.seqLen}, ${options.dtype}; using its first (${first.modelName}, batch ${first.batchSize}, sequence ${first.seqLen}, ${first.dtype})`,
    );
    return first;
  },
};
