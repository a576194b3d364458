/**
 * URIs of the read-only ONNX text view: `irene-onnx:/dir/model.onnx-text?<source uri>`.
 * The path gives the tab a readable title and the `.onnx-text` extension the
 * language; the query carries the ONNX file's own URI, any scheme.
 */
import * as vscode from 'vscode';
import { ONNX_TEXT_SCHEME } from './ids.js';

export function onnxTextUri(onnxUri: vscode.Uri): vscode.Uri {
  const path = onnxUri.path.replace(/\.onnx$/i, '') + '.onnx-text';
  return vscode.Uri.from({ scheme: ONNX_TEXT_SCHEME, path, query: onnxUri.toString() });
}

/** The ONNX file an ONNX text URI shows, or undefined for other URIs. */
export function onnxSourceOf(uri: vscode.Uri): vscode.Uri | undefined {
  if (uri.scheme !== ONNX_TEXT_SCHEME || uri.query === '') return undefined;
  try {
    return vscode.Uri.parse(uri.query, true);
  } catch {
    return undefined;
  }
}
