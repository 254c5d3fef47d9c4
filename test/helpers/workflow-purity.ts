import { relative, sep } from 'node:path';
import type ts from 'typescript';
import { moduleGraph, nondeterministicUses } from './module-graph.js';

// What makes workflow code impure, checked over the module graph (test/helpers/module-graph.ts):
// every file the workflow bundle loads, not only the files under workflows/ and playbooks/.

export interface PurityRules {
  /** The project root: paths in problems are relative to it. */
  root: string;
  /** Folders (relative to root) whose code runs outside the workflow sandbox: workflows may import only types from them. */
  runtimeDirs: readonly string[];
  /** Files in those folders that workflows may import values from (constants shared with activities). */
  allowedRuntime: readonly string[];
}

/** Every rule broken by the code reachable from `entries`, one sentence each, naming the file. */
export function purityProblems(entries: readonly string[], options: ts.CompilerOptions, rules: PurityRules): string[] {
  const rel = (file: string) => relative(rules.root, file).split(sep).join('/');
  const graph = moduleGraph(entries, options);
  const problems: string[] = [];
  for (const [file, edges] of graph) {
    const via = entries.includes(file) ? '' : ' (loaded by the workflow bundle through an import)';
    for (const e of edges) {
      const what = `${rel(file)}${via}: ${e.kind} of ${e.specifier}`;
      if (e.kind === 'dynamic-import' || e.kind === 'require') {
        problems.push(`${what}: workflow code loads modules statically only, so the bundle holds everything it runs`);
      } else if (!e.typeOnly && e.builtin) {
        problems.push(`${what}: a Node built-in, which the workflow sandbox does not have`);
      } else if (!e.typeOnly && e.resolved !== undefined) {
        const target = rel(e.resolved);
        const outside = rules.runtimeDirs.some((d) => target.startsWith(`${d}/`)) && !rules.allowedRuntime.includes(target);
        if (outside) problems.push(`${what}: runtime code (${target}); workflows may import only types from there`);
      }
    }
    for (const use of nondeterministicUses(file)) problems.push(`${rel(file)}${via}: uses ${use}, which is not deterministic on replay`);
  }
  return problems;
}

/** The files of the graph, relative to root (to show what the check covered). */
export function reachedFiles(entries: readonly string[], options: ts.CompilerOptions, root: string): string[] {
  return [...moduleGraph(entries, options).keys()].map((f) => relative(root, f).split(sep).join('/'));
}
