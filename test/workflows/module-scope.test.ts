// The worker evaluates the modules of workflows/ once and shares them among all its workflows
// (scripts/workflow-bundle.mjs, the SDK's preloadModules). Two checks keep that sound: the bundle does
// preload them, and no module the workflows load keeps state at module scope that one workflow could
// change under another (the SDK freezes a preloaded module's exports, not its private variables).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import vm from 'node:vm';
import ts from 'typescript';
import { bundleWorkflows, QUIET_BUNDLER_LOGGER, WORKFLOWS_PATH } from '../../scripts/workflow-bundle.mjs';

/** The repository's modules that workflows/index.ts loads at run time (type-only imports excluded). */
function workflowModules(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const s of source.statements) {
      const from = ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly ? s.moduleSpecifier : ts.isExportDeclaration(s) && !s.isTypeOnly ? s.moduleSpecifier : undefined;
      if (!from || !ts.isStringLiteral(from) || !from.text.startsWith('.')) continue;
      if (ts.isImportDeclaration(s) && s.importClause && !s.importClause.name && s.importClause.namedBindings && ts.isNamedImports(s.importClause.namedBindings) && s.importClause.namedBindings.elements.every((e) => e.isTypeOnly)) continue;
      const target = path.resolve(path.dirname(file), from.text.replace(/\.js$/, '.ts'));
      if (existsSync(target)) visit(target);
    }
  };
  visit(entry);
  return [...seen];
}

const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Array']);

/** What in this module's top level could carry state from one workflow to the next. */
function moduleScopeState(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const problems: string[] = [];
  const at = (n: ts.Node) => `${path.relative(process.cwd(), file)}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  for (const s of source.statements) {
    if (!ts.isVariableStatement(s)) continue;
    const exported = s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
    if (!(s.declarationList.flags & ts.NodeFlags.Const)) {
      problems.push(`${at(s)}: a module-level let or var`);
      continue;
    }
    for (const d of s.declarationList.declarations) {
      let init = d.initializer;
      while (init && (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init))) init = init.expression;
      if (!init) continue;
      const name = d.name.getText(source);
      if (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && COLLECTIONS.has(init.expression.text)) problems.push(`${at(d)}: ${name} is a module-level ${init.expression.text}`);
      else if (!exported && (ts.isObjectLiteralExpression(init) || ts.isArrayLiteralExpression(init))) problems.push(`${at(d)}: ${name} is a module-level object or array that is not exported (so not frozen)`);
    }
  }
  return problems;
}

describe('workflow modules are shared by every workflow of a worker', () => {
  test('the bundle evaluates workflows/ before any workflow runs, and a workflow then loads nothing of its own', async () => {
    const code = await bundleWorkflows(QUIET_BUNDLER_LOGGER);
    const loaded: string[] = [];
    const modules = new Map<string, unknown>();
    const context = vm.createContext({ console, TextEncoder, TextDecoder, setTimeout, clearTimeout, queueMicrotask });
    // The SDK's reused context keeps webpack's module cache; this one records what is put in it.
    Object.defineProperty(context, '__webpack_module_cache__', {
      value: new Proxy({}, { get: (_, id) => modules.get(String(id)), set: (_, id, m) => (modules.set(String(id), m), loaded.push(String(id)), true) }),
    });
    vm.runInContext(code, context);
    vm.runInContext('__TEMPORAL__.preloadModules()', context);
    assert.ok(loaded.includes('./workflows/send-email.ts'), `preloaded: ${loaded.filter((m) => !m.includes('node_modules')).join(', ')}`);
    const before = loaded.length;
    vm.runInContext('__TEMPORAL__.importWorkflows()', context);
    assert.deepEqual(loaded.slice(before), [], 'modules a workflow would evaluate for itself');
  });

  test('no module the workflows load keeps state at module scope', () => {
    const files = workflowModules(WORKFLOWS_PATH);
    assert.ok(files.some((f) => f.endsWith(path.join('workflows', 'send-email.ts'))) && files.some((f) => f.endsWith(path.join('src', 'shared.ts'))), files.join(', '));
    assert.deepEqual(files.flatMap((f) => moduleScopeState(f, readFileSync(f, 'utf8'))), []);
  });

  test('the check finds each kind of module-level state', () => {
    const found = moduleScopeState(
      'example.ts',
      [
        'let count = 0;',
        'var legacy = 1;',
        "const seen = new Set(['a']);",
        'const byId = new Map<string, number>();',
        'const table = { a: 1 };',
        "const states = ['queued'] as const;",
        "export const EXPORTED = ['frozen by the SDK'];",
        "const name = 'fine';",
        "const frozen = Object.freeze(['fine']);",
        'export function f() { let local = 0; return local; }',
      ].join('\n'),
    );
    assert.deepEqual(
      found.map((p) => p.replace(/^.*?:(\d+):/, 'line $1:')),
      [
        'line 1: a module-level let or var',
        'line 2: a module-level let or var',
        'line 3: seen is a module-level Set',
        'line 4: byId is a module-level Map',
        'line 5: table is a module-level object or array that is not exported (so not frozen)',
        'line 6: states is a module-level object or array that is not exported (so not frozen)',
      ],
    );
  });
});
