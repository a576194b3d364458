/**
 * The extension's twin of src/shared/readInputFile.ts for files read through
 * `vscode.workspace.fs` (any file system): regular files only, at most the
 * size limit of their kind, so a profile setting that names `/dev/zero` or a
 * huge file fails with one line instead of filling the extension host.
 */
import * as vscode from 'vscode';
import { InvalidInputError } from '../engine/errors.js';
import { INPUT_SIZE_LIMITS, inputTooLargeError, type InputKind } from '../engine/limits/inputLimits.js';

/**
 * The bytes of `uri` after checking its type and size.
 * @param kind the file's kind, for its size limit; undefined for none (ONNX)
 * @throws InvalidInputError for a folder, a non-file or a file over the limit of `kind`; file system errors as they come
 */
export async function readWorkspaceFile(uri: vscode.Uri, kind: InputKind | undefined): Promise<Uint8Array> {
  const st = await vscode.workspace.fs.stat(uri);
  if (st.type & vscode.FileType.Directory) throw new InvalidInputError(`${uri.fsPath}: is a folder, not a file`);
  if (!(st.type & vscode.FileType.File)) throw new InvalidInputError(`${uri.fsPath}: not a regular file (a FIFO, device or socket)`);
  if (kind !== undefined && st.size > INPUT_SIZE_LIMITS[kind]) throw inputTooLargeError(uri.fsPath, kind, st.size);
  return vscode.workspace.fs.readFile(uri);
}
