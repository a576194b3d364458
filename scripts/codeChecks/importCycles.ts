/**
 * Finds import cycles between TypeScript files: the strongly connected
 * components of the graph of relative imports (and the `#shared/*` alias of
 * package.json), type-only imports included, because a cycle of types still
 * ties two modules together for a reader. No npm rule is needed for this:
 * the TypeScript parser in node_modules reads the imports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';
import { listTsFiles } from './sourceFiles.js';

/** One cycle: the files of a strongly connected component and one import path around it. */
export interface ImportCycle {
  /** Repository-relative paths of every file in the component, sorted. */
  files: string[];
  /** One closed walk through the component: a -> b -> ... -> a. */
  path: string[];
}

/** Module specifiers a file imports or re-exports (static imports, `export ... from`, `import()` and `import x = require()`). */
export function importSpecifiers(text: string, fileName = 'x.ts'): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The repository-relative .ts file a specifier names from `from`, or undefined for a package or a missing file. */
export function resolveImport(root: string, from: string, specifier: string, aliases: Record<string, string> = {}): string | undefined {
  let base: string | undefined;
  for (const [prefix, target] of Object.entries(aliases)) {
    if (specifier.startsWith(prefix)) base = join(root, target, specifier.slice(prefix.length));
  }
  if (base === undefined) {
    if (!specifier.startsWith('.')) return undefined;
    base = join(root, dirname(from), specifier);
  }
  base = normalize(base);
  const stem = base.replace(/\.(m?js|ts)$/, '');
  for (const candidate of [`${stem}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate)) return relative(root, candidate).split(sep).join('/');
  }
  return undefined;
}

/** Import graph of the .ts files under `dir`: file -> the files it imports (both repository-relative). */
export function importGraph(root: string, dir: string, aliases: Record<string, string> = {}): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of listTsFiles(root, dir)) {
    const deps = new Set<string>();
    for (const spec of importSpecifiers(readFileSync(join(root, file), 'utf8'), file)) {
      const target = resolveImport(root, file, spec, aliases);
      if (target) deps.add(target);
    }
    graph.set(file, [...deps].sort());
  }
  return graph;
}

/** Every cycle of the graph (Tarjan's strongly connected components of more than one file, or a file importing itself). */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): ImportCycle[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  // Iterative, so that a deep import chain cannot overflow the call stack.
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const deps = graph.get(frame.node) ?? [];
      if (frame.next < deps.length) {
        const dep = deps[frame.next++]!;
        if (!graph.has(dep)) continue;
        if (!index.has(dep)) {
          index.set(dep, counter);
          low.set(dep, counter++);
          stack.push(dep);
          onStack.add(dep);
          work.push({ node: dep, next: 0 });
        } else if (onStack.has(dep)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(dep)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          component.push(n);
        } while (n !== frame.node);
        const selfLoop = component.length === 1 && (graph.get(n) ?? []).includes(n);
        if (component.length > 1 || selfLoop) components.push(component.sort());
      }
    }
  }
  return components.map((files) => ({ files, path: cyclePath(graph, files) })).sort((a, b) => a.files[0]!.localeCompare(b.files[0]!));
}

/** A shortest closed walk from the component's first file back to itself (breadth-first inside the component). */
function cyclePath(graph: ReadonlyMap<string, readonly string[]>, files: readonly string[]): string[] {
  const inside = new Set(files);
  const start = files[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const dep of graph.get(node) ?? []) {
      if (!inside.has(dep)) continue;
      if (dep === start) {
        const path = [start];
        for (let n: string | undefined = node; n !== undefined && n !== start; n = previous.get(n)) path.splice(1, 0, n);
        return [...path, start];
      }
      if (!previous.has(dep)) {
        previous.set(dep, node);
        queue.push(dep);
      }
    }
  }
  return [start, start];
}

/**
 * The allow-list: one folder or file prefix a line (`#` starts a comment,
 * which should say which issue removes the cycle). A cycle is allowed when
 * all its files start with one entry.
 */
export function parseAllowList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0);
}

/** The cycles no allow-list entry covers, and the entries that cover no cycle any more (stale: delete them). */
export function checkCycles(cycles: readonly ImportCycle[], allow: readonly string[]): { failures: ImportCycle[]; stale: string[] } {
  const covers = (entry: string, c: ImportCycle): boolean => c.files.every((f) => f.startsWith(entry));
  return {
    failures: cycles.filter((c) => !allow.some((e) => covers(e, c))),
    stale: allow.filter((e) => !cycles.some((c) => covers(e, c))),
  };
}
