import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';

// The module graph of the workflow code, as TypeScript itself parses and resolves it (the same
// resolution `tsc` uses, from the project's tsconfig.json): every static import and export-from,
// in either quote style, every dynamic import() and require(), with whether each is type-only
// (erased at compile time, so never loaded in the workflow sandbox). A regular expression over the
// text cannot see all of these; the parser can.

export type EdgeKind = 'import' | 'export-from' | 'dynamic-import' | 'require' | 'import-equals';

export interface ImportEdge {
  /** The file that imports. */
  from: string;
  specifier: string;
  kind: EdgeKind;
  /** Erased at compile time: `import type`, `export type ... from`, or every name marked `type`. */
  typeOnly: boolean;
  /** A Node built-in (`fs`, `node:fs`, `fs/promises`). */
  builtin: boolean;
  /** The file it resolves to, when it resolves to a source file of this project (not a package). */
  resolved?: string;
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isBuiltin = (spec: string): boolean => BUILTINS.has(spec) || spec.startsWith('node:');

const loadedOptions = new Map<string, ts.CompilerOptions>();

/** The compiler options of the tsconfig.json in `root`. */
export function compilerOptions(root: string): ts.CompilerOptions {
  const cached = loadedOptions.get(root);
  if (cached !== undefined) return cached;
  const file = join(root, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error !== undefined) throw new Error(`cannot read ${file}: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}. To fix: make it valid JSON.`);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, dirname(file));
  loadedOptions.set(root, options);
  return options;
}

const stringArg = (node: ts.CallExpression): string | undefined => {
  const [arg] = node.arguments;
  return arg !== undefined && ts.isStringLiteralLike(arg) ? arg.text : undefined;
};

/** Every import, export-from, import() and require() of one file, resolved. */
export function importsOf(file: string, options: ts.CompilerOptions, text = readFileSync(file, 'utf8')): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, kind: EdgeKind, typeOnly: boolean) => {
    const { resolvedModule } = ts.resolveModuleName(specifier, file, options, ts.sys);
    const resolved = resolvedModule && !resolvedModule.isExternalLibraryImport ? resolvedModule.resolvedFileName : undefined;
    edges.push({ from: file, specifier, kind, typeOnly, builtin: isBuiltin(specifier), ...(resolved !== undefined && { resolved }) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier)) {
      const clause = node.importClause;
      // `import { type A, type B } from 'x'` is erased as well as `import type { A, B } from 'x'`.
      const allNamedTypes = clause?.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && clause.name === undefined
        && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, 'import', clause?.isTypeOnly === true || allNamedTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteralLike(node.moduleSpecifier)) {
      const allNamedTypes = node.exportClause !== undefined && ts.isNamedExports(node.exportClause)
        && node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, 'export-from', node.isTypeOnly || allNamedTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteralLike(node.moduleReference.expression)) {
      add(node.moduleReference.expression.text, 'import-equals', node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const spec = stringArg(node);
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        // A computed import() cannot be followed: name it, so the check refuses it.
        add(spec ?? `<computed: ${node.arguments[0]?.getText(source) ?? ''}>`, 'dynamic-import', false);
      } else if (ts.isIdentifier(node.expression) && node.expression.text === 'require') {
        add(spec ?? `<computed: ${node.arguments[0]?.getText(source) ?? ''}>`, 'require', false);
      }
    } else if (ts.isImportTypeNode(node)) {
      return; // `import('x').T` in a type position is erased
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/**
 * The project files reachable from `entries` by imports that survive compilation, with their
 * edges: what the workflow bundle really loads. Packages (node_modules) are leaves.
 */
export function moduleGraph(entries: readonly string[], options: ts.CompilerOptions): Map<string, ImportEdge[]> {
  const graph = new Map<string, ImportEdge[]>();
  const queue = [...entries];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (graph.has(file)) continue;
    const edges = importsOf(file, options);
    graph.set(file, edges);
    for (const e of edges) if (!e.typeOnly && e.resolved !== undefined && !graph.has(e.resolved)) queue.push(e.resolved);
  }
  return graph;
}

/** Calls and reads that make workflow code non-deterministic, found in the syntax tree (comments and strings do not count). */
export function nondeterministicUses(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const where = (node: ts.Node) => `line ${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const text = `${node.expression.getText(source)}.${node.name.text}`;
      if (text === 'Math.random' || text === 'process.env' || text === 'globalThis.process') found.push(`${text} (${where(node)})`);
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && ['setTimeout', 'setInterval', 'setImmediate'].includes(node.expression.text)) {
      found.push(`${node.expression.text}() (${where(node)})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
