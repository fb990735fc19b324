// Type-checks the TypeScript code blocks in the docs (STYLE.md, "Docs and examples").
//
//   node scripts/check-doc-snippets.mjs        (npm run docs:check)
//
// Every ```ts / ```typescript fenced block in README.md and docs/**/*.md, and every such block
// inside a doc comment (`@example`) in src/**/*.ts and adapters/**/*.ts, is written as its own
// module under .build/doc-snippets/ and type-checked with the project's compiler options (minus
// the unused-locals checks) against the source: a generated tsconfig maps each package.json
// "exports" entry ('weft', 'weft/core', 'weft/testing', ...) to its src/ file through `paths`.
//
// Markdown blocks must import what they use, as a reader copying them would. Doc-comment blocks
// read in the context of the symbol they document, so each gets an import of the names it uses
// but does not declare that an entry point exports (or, failing that, that its own module
// exports). Relative imports are resolved from the file the block is in. Declare any other
// placeholder inside the block, so it can be copied as it is.
//
// A block opts out only with a marker on its fence line, ```ts nocheck; skipped blocks are
// listed. Errors are reported at the line of the docs or source file the block came from, and
// the exit code is 1. To see the raw compiler output, run
// `npx tsc -p .build/doc-snippets/tsconfig.json` after this script.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, '.build', 'doc-snippets');
const rel = (file) => path.relative(root, file).split(path.sep).join('/');

// ---------------------------------------------------------------------------------------------
// Entry points: package.json "exports" -> source files.

/**
 * `{ specifier, source }` for each export whose types live in dist/: "./x" with types
 * "./dist/src/x/index.d.ts" becomes `weft/x` -> src/x/index.ts. A "*" in both is kept, for
 * `paths`.
 */
function entryPoints() {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const entries = [];
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    const types = typeof target === 'object' && target !== null ? target.types : undefined;
    if (typeof types !== 'string' || !types.startsWith('./dist/') || !types.endsWith('.d.ts')) {
      continue;
    }
    const specifier = key === '.' ? pkg.name : `${pkg.name}/${key.replace(/^\.\//, '')}`;
    const source = types.slice('./dist/'.length, -'.d.ts'.length) + '.ts';
    entries.push({ specifier, source });
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Finding the blocks.

/** Files under `dir` (relative to the root) whose names pass `keep`, sorted. */
function filesUnder(dir, keep) {
  const abs = path.join(root, dir);
  try {
    if (!statSync(abs).isDirectory()) return [];
  } catch {
    return [];
  }
  return readdirSync(abs, { recursive: true })
    .map((name) => path.join(abs, name))
    .filter((file) => keep(rel(file)) && statSync(file).isFile())
    .sort();
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const CHECKED_LANGS = new Set(['ts', 'typescript']);

/**
 * Fenced blocks in `lines` (each `{ text, line, col }`: the text, its 1-based line in the file,
 * and how many characters were cut from its start). Returns `{ lang, meta, line, col, body }`
 * with `body` in the same shape; `problems` collects unclosed fences.
 */
function fencedBlocks(file, lines, problems) {
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i].text);
    if (open === null) continue;
    const [, indent, fence, info] = open;
    if (fence.startsWith('`') && info.includes('`')) continue; // inline code, not a fence
    const [lang = '', ...meta] = info.trim().split(/\s+/);
    const start = lines[i];
    const body = [];
    let closed = false;
    for (i++; i < lines.length; i++) {
      const text = lines[i].text;
      const close = FENCE.exec(text);
      if (
        close !== null &&
        close[2].startsWith(fence[0]) &&
        close[2].length >= fence.length &&
        close[3].trim() === ''
      ) {
        closed = true;
        break;
      }
      // Remove up to the fence's own indentation, as CommonMark does.
      const cut = Math.min(indent.length, text.length - text.trimStart().length);
      body.push({ text: text.slice(cut), line: lines[i].line, col: lines[i].col + cut });
    }
    if (!closed) problems.push(`${file}:${start.line}: unclosed code fence`);
    blocks.push({ lang: lang.toLowerCase(), meta, line: start.line, col: start.col, body });
  }
  return blocks;
}

function markdownBlocks(file, text, problems) {
  const lines = text.split(/\r?\n/).map((line, i) => ({ text: line, line: i + 1, col: 0 }));
  return fencedBlocks(file, lines, problems);
}

/** The `/** ... *\/` comments of a TypeScript file, found through its syntax tree. */
function docComments(fileName, text) {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const seen = new Map();
  const visit = (node) => {
    for (const range of ts.getLeadingCommentRanges(text, node.pos) ?? []) {
      if (text.startsWith('/**', range.pos) && !seen.has(range.pos)) seen.set(range.pos, range);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return [...seen.values()]
    .sort((a, b) => a.pos - b.pos)
    .map((range) => ({
      text: text.slice(range.pos, range.end),
      line: sourceFile.getLineAndCharacterOfPosition(range.pos).line + 1,
    }));
}

function docCommentBlocks(file, text, problems) {
  const blocks = [];
  for (const comment of docComments(file, text)) {
    const lines = comment.text.split(/\r?\n/).map((raw, i) => {
      let line = raw;
      let col = 0;
      if (i === 0) {
        col = line.indexOf('/**') + 3;
        line = line.slice(col);
      } else {
        const star = /^\s*\*(?!\/) ?/.exec(line);
        if (star !== null) {
          col = star[0].length;
          line = line.slice(col);
        }
      }
      const end = line.lastIndexOf('*/');
      if (end !== -1 && line.slice(end + 2).trim() === '') line = line.slice(0, end);
      return { text: line, line: comment.line + i, col };
    });
    blocks.push(...fencedBlocks(file, lines, problems));
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Imports for doc-comment blocks.

/**
 * The names an `@example` may use unimported, each `{ specifier, typeOnly }`: `names` holds the
 * exports of the entry points (the first entry point exporting a name wins); `ownNames(file)`,
 * the exports of the documented module itself (`file`, relative to the root), which come second.
 */
function exportedNames(entries, files, options) {
  const concrete = entries.filter((entry) => !entry.specifier.includes('*'));
  const program = ts.createProgram(
    [...concrete.map((entry) => entry.source), ...files].map((file) => path.join(root, file)),
    options,
  );
  const checker = program.getTypeChecker();
  const exportsOf = (file, specifier, into) => {
    const sourceFile = program.getSourceFile(path.join(root, file));
    const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    if (moduleSymbol === undefined) return into;
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      if (into.has(symbol.name) || symbol.name === 'default') continue;
      into.set(symbol.name, { specifier, typeOnly: isTypeOnly(checker, symbol) });
    }
    return into;
  };
  const names = new Map();
  for (const entry of concrete) exportsOf(entry.source, entry.specifier, names);
  const own = new Map();
  const ownNames = (file) => {
    if (!own.has(file)) {
      const specifier = moduleSpecifier(path.join(root, file).replace(/\.ts$/, '.js'));
      own.set(file, exportsOf(file, specifier, new Map()));
    }
    return own.get(file);
  };
  return { names, ownNames, program };
}

/** A specifier for `target` (absolute) from a module in the output directory. */
function moduleSpecifier(target) {
  const specifier = path.relative(outDir, target).split(path.sep).join('/');
  return specifier.startsWith('.') ? specifier : `./${specifier}`;
}

/**
 * `code` with relative module specifiers ('./x.js', '../src/y.js') resolved from `file` (the
 * docs or source file the block is in), so they still point at the same modules from the output
 * directory.
 */
function rebaseRelativeImports(code, file) {
  const sourceFile = ts.createSourceFile('snippet.mts', code, ts.ScriptTarget.Latest, true);
  const literals = [];
  const visit = (node) => {
    let specifier;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      specifier = node.moduleSpecifier;
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      specifier = node.arguments[0];
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      specifier = node.argument.literal;
    }
    if (specifier && ts.isStringLiteral(specifier) && /^\.\.?\//.test(specifier.text)) {
      literals.push(specifier);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  let result = code;
  for (const literal of literals.sort((a, b) => b.pos - a.pos)) {
    const target = path.resolve(root, path.dirname(file), literal.text);
    const start = literal.getStart(sourceFile);
    result = `${result.slice(0, start)}'${moduleSpecifier(target)}'${result.slice(literal.end)}`;
  }
  return result;
}

/** Whether an export can only be imported with `import type` (under verbatimModuleSyntax). */
function isTypeOnly(checker, symbol) {
  let current = symbol;
  while (current.flags & ts.SymbolFlags.Alias) {
    if ((current.declarations ?? []).some((d) => ts.isTypeOnlyImportOrExportDeclaration(d))) {
      return true;
    }
    const next = checker.getImmediateAliasedSymbol(current);
    if (next === undefined || next === current) break;
    current = next;
  }
  return !(current.flags & ts.SymbolFlags.Value);
}

/** Names a module's top-level statements declare (imports included). */
function declaredNames(sourceFile) {
  const names = new Set();
  const addBinding = (name) => {
    if (ts.isIdentifier(name)) {
      names.add(name.text);
    } else {
      for (const element of name.elements) {
        if (!ts.isOmittedExpression(element)) addBinding(element.name);
      }
    }
  };
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) names.add(element.name.text);
      }
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        addBinding(declaration.name);
      }
    } else if ('name' in statement && statement.name && ts.isIdentifier(statement.name)) {
      names.add(statement.name.text); // function, class, interface, type, enum, namespace
    }
  }
  return names;
}

/**
 * `import { ... } from '...'` lines for the names `code` uses but does not declare that
 * `lookup(name)` knows (see {@link exportedNames}).
 */
function autoImports(code, lookup) {
  const sourceFile = ts.createSourceFile('snippet.mts', code, ts.ScriptTarget.Latest, true);
  const declared = declaredNames(sourceFile);
  const used = new Set();
  const visit = (node) => {
    if (ts.isIdentifier(node)) used.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  const bySpecifier = new Map();
  for (const name of [...used].sort()) {
    const found = lookup(name);
    if (found === undefined || declared.has(name)) continue;
    const list = bySpecifier.get(found.specifier) ?? [];
    list.push(found.typeOnly ? `type ${name}` : name);
    bySpecifier.set(found.specifier, list);
  }
  return [...bySpecifier].map(
    ([specifier, list]) => `import { ${list.join(', ')} } from '${specifier}';`,
  );
}

// ---------------------------------------------------------------------------------------------
// Main.

function main() {
  const problems = [];
  const sources = [
    { file: path.join(root, 'README.md'), kind: 'markdown' },
    ...filesUnder('docs', (file) => file.endsWith('.md') && !file.startsWith('docs/api/')).map(
      (file) => ({ file, kind: 'markdown' }),
    ),
    ...['src', 'adapters'].flatMap((dir) =>
      filesUnder(dir, (file) => file.endsWith('.ts') && !file.endsWith('.d.ts')).map((file) => ({
        file,
        kind: 'comment',
      })),
    ),
  ];

  const blocks = [];
  for (const { file, kind } of sources) {
    const name = rel(file);
    const text = readFileSync(file, 'utf8');
    const found =
      kind === 'markdown'
        ? markdownBlocks(name, text, problems)
        : docCommentBlocks(name, text, problems);
    for (const block of found) {
      if (CHECKED_LANGS.has(block.lang)) blocks.push({ ...block, file: name, kind });
    }
  }

  const configHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  };
  const base = ts.getParsedCommandLineOfConfigFile(
    path.join(root, 'tsconfig.json'),
    undefined,
    configHost,
  );
  if (base === undefined) throw new Error('cannot read tsconfig.json');
  const entries = entryPoints();
  const documented = [
    ...new Set(blocks.filter((block) => block.kind === 'comment').map((block) => block.file)),
  ];
  const {
    names: exported,
    ownNames,
    program: entryProgram,
  } = exportedNames(entries, documented, base.options);

  // Write the modules.
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const skipped = [];
  const snippets = new Map(); // absolute path -> { file, line map }
  for (const block of blocks) {
    const where = `${block.file}:${block.line}`;
    if (block.meta.includes('nocheck')) {
      skipped.push(where);
      continue;
    }
    const code = rebaseRelativeImports(block.body.map((line) => line.text).join('\n'), block.file);
    const own = block.kind === 'comment' ? ownNames(block.file) : new Map();
    const header =
      block.kind === 'comment'
        ? autoImports(code, (name) => exported.get(name) ?? own.get(name))
        : [];
    const fenceLine = { line: block.line, col: block.col };
    const lineMap = [
      ...header.map(() => fenceLine),
      ...block.body.map(({ line, col }) => ({ line, col })),
      fenceLine,
    ];
    const name = `${block.file.replace(/[^A-Za-z0-9.-]+/g, '_')}_${block.line}.mts`;
    const target = path.join(outDir, name);
    writeFileSync(target, [...header, code, 'export {};', ''].join('\n'));
    snippets.set(path.normalize(target), { file: block.file, lineMap, code: block.body });
  }

  const paths = Object.fromEntries(
    entries.map(({ specifier, source }) => [
      specifier,
      [path.relative(outDir, path.join(root, source))],
    ]),
  );
  const tsconfigPath = path.join(outDir, 'tsconfig.json');
  const tsconfig = {
    extends: path.relative(outDir, path.join(root, 'tsconfig.json')),
    compilerOptions: {
      rootDir: path.relative(outDir, root),
      noEmit: true,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      // Examples declare things to show them, not to use them.
      noUnusedLocals: false,
      noUnusedParameters: false,
      paths,
    },
    include: ['*.mts'],
    exclude: [], // the default excludes outDir, which holds this directory
  };
  writeFileSync(tsconfigPath, `${JSON.stringify(tsconfig, null, 2)}\n`);

  // Type-check, as `tsc -p .build/doc-snippets/tsconfig.json` does, but report only the
  // snippets' own errors: the source itself is `npm run typecheck`'s job (and checking only what
  // the snippets use is faster).
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, undefined, configHost);
  if (parsed === undefined) throw new Error(`cannot read ${rel(tsconfigPath)}`);
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    oldProgram: entryProgram,
    configFileParsingDiagnostics: parsed.errors,
  });
  const diagnostics = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program
      .getSourceFiles()
      .filter((sourceFile) => snippets.has(path.normalize(sourceFile.fileName)))
      .flatMap((sourceFile) => [
        ...program.getSyntacticDiagnostics(sourceFile),
        ...program.getSemanticDiagnostics(sourceFile),
      ]),
  ];

  const errors = diagnostics
    .map((diagnostic) => locateDiagnostic(diagnostic, snippets))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col)
    .map((error) => error.text);
  const checked = snippets.size;
  console.log(
    `doc snippets: ${checked} checked, ${skipped.length} skipped (nocheck)` +
      `, ${errors.length + problems.length} error(s)`,
  );
  for (const where of skipped) console.log(`  skipped: ${where}`);
  for (const problem of problems) console.error(problem);
  for (const error of errors) console.error(error);
  if (errors.length + problems.length > 0) process.exitCode = 1;
}

/**
 * `{ file, line, col, text }` for a diagnostic, at the docs or source line its snippet came from;
 * `text` reads `file:line:col - error TSnnnn: message`, then the line and the generated module.
 */
function locateDiagnostic(diagnostic, snippets) {
  const category = ts.DiagnosticCategory[diagnostic.category].toLowerCase();
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
  const head = `${category} TS${diagnostic.code}: ${message}`;
  if (diagnostic.file === undefined || diagnostic.start === undefined) {
    return { file: '', line: 0, col: 0, text: head };
  }
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const generated = rel(diagnostic.file.fileName);
  const snippet = snippets.get(path.normalize(diagnostic.file.fileName));
  if (snippet === undefined) {
    const at = { file: generated, line: line + 1, col: character + 1 };
    return { ...at, text: `${at.file}:${at.line}:${at.col} - ${head}` };
  }
  const origin = snippet.lineMap[Math.min(line, snippet.lineMap.length - 1)];
  const at = { file: snippet.file, line: origin.line, col: character + origin.col + 1 };
  const source = snippet.code.find((entry) => entry.line === at.line);
  const excerpt = source === undefined ? '' : `\n    | ${source.text}`;
  return {
    ...at,
    text: `${at.file}:${at.line}:${at.col} - ${head}${excerpt}\n    (in ${generated})`,
  };
}

main();
