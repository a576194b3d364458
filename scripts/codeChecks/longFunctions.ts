/**
 * Finds functions longer than a limit (lines from the declaration to the
 * closing brace) that do not say why: a `// long-function: <why>` comment
 * right above the function, or above the statement that declares it (a
 * `const f = () => ...`). Functions nested in a long one are checked on their
 * own; the reason covers only the function it is written on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { listTsFiles } from './sourceFiles.js';

/** About 150 lines, as the developers' guide asks. */
export const MAX_FUNCTION_LINES = 150;

/** The marker comment that allows one long function; a reason must follow the colon. */
const MARKER = /\/\/\s*long-function:\s*\S/;

export interface LongFunction {
  file: string;
  /** 1-based line of the function's start. */
  line: number;
  /** The function's name, or `(anonymous)`. */
  name: string;
  lines: number;
}

function nameOf(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
}

/** The comments right above a node (its leading trivia). */
function leadingComments(node: ts.Node, text: string): string {
  return (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []).map((r) => text.slice(r.pos, r.end)).join('\n');
}

/** The nodes whose leading comments may carry the marker: the function and the statements that hold it. */
function carriers(node: ts.Node): ts.Node[] {
  const out: ts.Node[] = [node];
  let n = node.parent;
  // `export const f = () => {}`: VariableDeclaration -> VariableDeclarationList -> VariableStatement.
  while (n && (ts.isVariableDeclaration(n) || ts.isVariableDeclarationList(n) || ts.isVariableStatement(n) || ts.isPropertyAssignment(n) || ts.isPropertyDeclaration(n) || ts.isExportAssignment(n))) {
    out.push(n);
    n = n.parent;
  }
  return out;
}

/** Functions in `text` over `maxLines` lines without the marker. */
export function longFunctionsIn(file: string, text: string, maxLines = MAX_FUNCTION_LINES): LongFunction[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > maxLines && !carriers(node).some((c) => MARKER.test(leadingComments(c, text)))) {
        out.push({ file, line: start + 1, name: nameOf(node as ts.FunctionLikeDeclaration, sf), lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Long functions without a reason in the .ts files under `root/dir`. */
export function findLongFunctions(root: string, dir: string, maxLines = MAX_FUNCTION_LINES): LongFunction[] {
  return listTsFiles(root, dir).flatMap((f) => longFunctionsIn(f, readFileSync(join(root, f), 'utf8'), maxLines));
}
