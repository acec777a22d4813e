#!/usr/bin/env node
// Import cycles in the source tree (packages/*/src, apps/*/src), run by `pnpm lint`.
//
// Every import counts: relative ones, `@seqcast/<pkg>[/<subpath>]` (followed to the source file
// behind that package's export, so a cycle between packages shows too), and dynamic `import()`.
// A cycle through a runtime import fails the check: module initialisation order then depends on
// which file is loaded first. A cycle made only of `import type` edges is erased by the compiler;
// it is printed as a warning (still worth breaking: it ties two modules' designs together).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ts = createRequire(import.meta.url)('typescript');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rel = (f) => path.relative(ROOT, f);

/** `@seqcast/x` and `@seqcast/x/sub` -> the .ts source file behind that export. */
const packageEntries = new Map();
for (const group of ['packages', 'apps']) {
  for (const dir of readdirSync(path.join(ROOT, group))) {
    const pkgFile = path.join(ROOT, group, dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
      const js = typeof target === 'string' ? target : target.default;
      if (typeof js !== 'string' || !js.startsWith('./dist/')) continue;
      const src = path.join(ROOT, group, dir, js.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
      if (existsSync(src)) packageEntries.set(sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`, src);
    }
  }
}

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolve(from, spec) {
  if (packageEntries.has(spec)) return packageEntries.get(spec);
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** [specifier, typeOnly] for every import of a file. */
function importsOf(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const typeOnly =
        !!c &&
        (c.isTypeOnly ||
          (!c.name &&
            !!c.namedBindings &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push([node.moduleSpecifier.text, typeOnly]);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      out.push([node.moduleSpecifier.text, node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly))]);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push([node.arguments[0].text, false]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const files = [];
for (const group of ['packages', 'apps']) {
  for (const dir of readdirSync(path.join(ROOT, group))) {
    const src = path.join(ROOT, group, dir, 'src');
    if (existsSync(src)) files.push(...sourceFiles(src));
  }
}

/** file -> Map(target -> typeOnly), an edge being runtime when any import along it is. */
const graph = new Map();
for (const f of files) {
  const edges = new Map();
  for (const [spec, typeOnly] of importsOf(f)) {
    const to = resolve(f, spec);
    if (to && to !== f) edges.set(to, (edges.get(to) ?? true) && typeOnly);
  }
  graph.set(f, edges);
}

/** Strongly connected components (Tarjan) of the graph restricted to `keep` edges. */
function cycles(keep) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const [w, typeOnly] of graph.get(v) ?? []) {
      if (!keep(typeOnly) || !graph.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) found.push(comp.map(rel).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return found;
}

/**
 * Folder round trips: a file in a top folder of a src tree (say `jobs/`) importing a module above
 * it that reaches back down into that same folder (the `jobs/queue/worker.ts` -> `service.ts` ->
 * `jobs/` shape). Not a cycle, but the layers it implies run both ways. Runtime imports within one
 * src tree count.
 */
function folderRoundTrips() {
  const found = [];
  const srcRoot = (f) => f.slice(0, f.indexOf(`${path.sep}src${path.sep}`) + 5);
  const topFolder = (f) => {
    const parts = path.relative(srcRoot(f), f).split(path.sep);
    return parts.length > 1 ? parts[0] : null;
  };
  for (const f of files) {
    const folder = topFolder(f);
    // Tests start the whole app from wherever they sit; the rule is about the sources' layers.
    if (!folder || /\.test\.ts$/.test(f) || f.includes(`${path.sep}__tests__${path.sep}`)) continue;
    const root = srcRoot(f);
    for (const [to, typeOnly] of graph.get(f) ?? []) {
      if (typeOnly || !to.startsWith(root) || topFolder(to) !== null) continue;
      // Everything the module above reaches at run time within this tree.
      const seen = new Set([to]);
      const queue = [to];
      while (queue.length) {
        const v = queue.shift();
        for (const [w, t] of graph.get(v) ?? []) {
          if (t || seen.has(w) || !w.startsWith(root)) continue;
          seen.add(w);
          queue.push(w);
        }
      }
      const back = [...seen].find((w) => topFolder(w) === folder);
      if (back) found.push(`${rel(f)} -> ${rel(to)} -> … -> ${rel(back)}`);
    }
  }
  return found;
}

const roundTrips = folderRoundTrips();
if (roundTrips.length) {
  for (const r of roundTrips) console.error(`import runs up out of its folder and back into it: ${r}`);
  console.error(`${roundTrips.length} folder round trip(s) in the source tree`);
  process.exit(1);
}

const runtime = cycles((typeOnly) => !typeOnly);
const all = cycles(() => true);
const runtimeKeys = new Set(runtime.map((c) => c.join(' ')));
for (const c of all) {
  if (runtime.some((r) => r.every((f) => c.includes(f)))) continue;
  console.warn(`warning: type-only import cycle: ${c.join(' <-> ')}`);
}
if (runtime.length) {
  for (const c of runtime) console.error(`import cycle: ${c.join(' <-> ')}`);
  console.error(`${runtimeKeys.size} import cycle(s) in the source tree (${files.length} files)`);
  process.exit(1);
}
console.log(`no runtime import cycle and no folder round trip in ${files.length} source files`);
