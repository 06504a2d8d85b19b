#!/usr/bin/env node
// Compiles every ```ts / ```typescript block of every README.md against the workspace packages,
// so an example that calls an API that does not exist (or no longer exists) fails CI.
//
// - Each block is its own ES module (top-level await allowed), type-checked with the repo's
//   strict base tsconfig; `@pipewell/*` imports resolve to the workspace sources through the
//   `@pipewell/source` condition, as if the reader had installed every package the block imports.
// - All blocks are compiled in one TypeScript program, held in memory: nothing is written to the
//   working tree, and a diagnostic names the README and the line it is on.
// - Values a reader brings (their Firestore instance, their query function, their logger) are
//   declared in scripts/readme-examples/<README's directory>/README.d.ts. Each block gets those
//   declarations, except the names it declares itself. pipewell's own APIs are never declared
//   there: a block imports them, so they are checked against the real types. A declaration that
//   no block uses is an error, so a prelude cannot outlive the examples it was written for.
// - `<!-- readme-example: skip (reason) -->` on the line before a block skips it (for a block
//   that shows an error on purpose); the reason is printed with the count of skipped blocks. A
//   skipped block that compiles is an error: its marker has outlived its reason.
//
// Usage: node scripts/check-readme-examples.mjs (or pnpm run check:readme-examples).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const started = performance.now();
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const preludeRoot = join(root, 'scripts', 'readme-examples');
const posix = (path) => path.split(sep).join('/');
const rel = (path) => posix(relative(root, path)) || '.';

// Generated or third-party trees whose READMEs are not ours to check.
const skippedDirs = new Set([
  'node_modules',
  '.git',
  'dist',
  'coverage',
  '.stryker-tmp',
  'reports',
]);
const skippedPaths = new Set(['docs/api']);
const languages = new Set(['ts', 'typescript']);
const markerPattern = /^\s*<!--\s*readme-example:(.*?)-->\s*$/;

function findReadmes(dir, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skippedDirs.has(entry.name) && !skippedPaths.has(rel(path))) findReadmes(path, found);
    } else if (entry.name === 'README.md') {
      found.push(path);
    }
  }
  return found.sort();
}

const problems = [];
const problem = (file, line, message) => problems.push(`${rel(file)}:${line}: ${message}`);

// The fenced code blocks of a README, as CommonMark reads them: a fence may be indented (inside a
// list item), and its content loses up to that much indentation.
function extractBlocks(readme) {
  const lines = readFileSync(readme, 'utf8').split(/\r?\n/);
  const blocks = [];
  let marker;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const markerMatch = markerPattern.exec(line);
    if (markerMatch) {
      if (marker) problem(readme, marker.line, 'readme-example marker not followed by a ts block');
      marker = { line: i + 1, text: markerMatch[1].trim() };
      continue;
    }
    const open = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (!open) {
      if (marker && line.trim() !== '') {
        problem(readme, marker.line, 'readme-example marker not followed by a ts block');
        marker = undefined;
      }
      continue;
    }
    const [, indent, fence, language] = open;
    const close = new RegExp(`^ {0,${indent.length + 3}}${fence[0]}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    const code = lines
      .slice(i + 1, end)
      .map((text) => text.replace(new RegExp(`^ {0,${indent.length}}`), ''));
    if (languages.has(language.toLowerCase())) {
      const block = { readme, line: i + 1, indent: indent.length, code, skip: undefined };
      if (marker) {
        const skip = /^skip\s*\((.+)\)$/.exec(marker.text);
        if (skip) block.skip = skip[1].trim();
        else
          problem(
            readme,
            marker.line,
            `unknown readme-example marker "${marker.text}"; the only one is "skip (reason)"`,
          );
      }
      blocks.push(block);
    } else if (marker) {
      problem(readme, marker.line, 'readme-example marker not followed by a ts block');
    }
    marker = undefined;
    i = end;
  }
  if (marker) problem(readme, marker.line, 'readme-example marker not followed by a ts block');
  return blocks;
}

// Top-level names a statement declares, to know which prelude declarations a block overrides.
function declaredNames(statement) {
  const names = [];
  const bindingNames = (name) => {
    if (ts.isIdentifier(name)) names.push(name.text);
    else
      for (const element of name.elements)
        if (!ts.isOmittedExpression(element)) bindingNames(element.name);
  };
  if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause;
    if (clause?.name) names.push(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings))
      for (const e of bindings.elements) names.push(e.name.text);
  } else if (ts.isImportEqualsDeclaration(statement)) {
    names.push(statement.name.text);
  } else if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations)
      bindingNames(declaration.name);
  } else if (
    (ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isModuleDeclaration(statement)) &&
    statement.name &&
    ts.isIdentifier(statement.name)
  ) {
    names.push(statement.name.text);
  }
  return names;
}

// A README's prelude: each declaration with the names it declares and the line it starts on.
function loadPrelude(readme) {
  const path = join(preludeRoot, relative(root, dirname(readme)), 'README.d.ts');
  if (!existsSync(path)) return { path, declarations: [] };
  const text = readFileSync(path, 'utf8');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const declarations = [];
  for (const statement of source.statements) {
    const line = source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1;
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      if (!clause?.isTypeOnly || clause.name || !bindings || !ts.isNamedImports(bindings)) {
        problem(path, line, 'a prelude imports types only: import type { Name } from "..."');
        continue;
      }
      // One declaration per imported name, so a block that declares one name drops only that.
      for (const element of bindings.elements) {
        declarations.push({
          names: [element.name.text],
          text: `import type { ${element.getText(source)} } from ${statement.moduleSpecifier.getText(source)};`,
          line,
        });
      }
    } else if (declaredNames(statement).length > 0) {
      declarations.push({ names: declaredNames(statement), text: statement.getText(source), line });
    } else {
      problem(path, line, 'a prelude holds only type imports and declarations');
    }
  }
  return { path, declarations };
}

// Compiler options: the repo's strict base, for code a user writes rather than a library.
const base = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
if (base.error) throw new Error(ts.flattenDiagnosticMessageText(base.error.messageText, '\n'));
const options = {
  ...ts.parseJsonConfigFileContent({ ...base.config, files: [] }, ts.sys, root).options,
  module: ts.ModuleKind.ES2022,
  target: ts.ScriptTarget.ES2022,
  moduleDetection: ts.ModuleDetectionKind.Force,
  noEmit: true,
  declaration: false,
  isolatedDeclarations: false,
};

// Workspace packages by name, so `@pipewell/x/sub` resolves from packages/x (a self-reference
// through its exports map) whichever README imports it.
const workspaceDirs = ['packages', 'tools']
  .filter((dir) => existsSync(join(root, dir)))
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')));
const packageDirs = new Map(
  workspaceDirs.map((dir) => [
    JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name,
    dir,
  ]),
);

// Whether code mentions a name a declaration declares (a word match: a mention in a comment
// counts, which can only keep a declaration, never fail a block).
const mentions = (code, declaration) =>
  declaration.names.some((name) =>
    new RegExp(`(?<![\\w$])${name.replaceAll('$', '\\$')}(?![\\w$])`).test(code),
  );

const readmes = findReadmes(root);
const files = new Map();
const reports = [];
for (const readme of readmes) {
  const blocks = extractBlocks(readme);
  const prelude = loadPrelude(readme);
  const used = new Set();
  // Skipped blocks are compiled too, to report a skip marker on a block that compiles.
  for (const block of blocks) {
    const text = block.code.join('\n');
    const parsed = ts.createSourceFile(
      'block.ts',
      text,
      ts.ScriptTarget.ES2022,
      false,
      ts.ScriptKind.TS,
    );
    const own = new Set(parsed.statements.flatMap(declaredNames));
    // The block keeps its own line numbers; the prelude's declarations follow it.
    const lines = [...block.code];
    const appended = [];
    for (const declaration of prelude.declarations) {
      if (declaration.names.some((name) => own.has(name))) continue;
      if (mentions(text, declaration)) used.add(declaration);
      appended.push({ fileLine: lines.length, preludeLine: declaration.line });
      lines.push(...declaration.text.split('\n'));
    }
    const name = join(dirname(readme), `README.md.L${block.line}.ts`);
    files.set(name, { block, prelude, appended, text: lines.join('\n') });
  }
  // A declaration no block uses, directly or through another declaration, is left over from an
  // example that changed: report it so the prelude keeps declaring only what the README needs.
  for (let grew = true; grew; ) {
    grew = false;
    for (const declaration of prelude.declarations) {
      if (used.has(declaration)) continue;
      if ([...used].some((user) => mentions(user.text, declaration))) {
        used.add(declaration);
        grew = true;
      }
    }
  }
  for (const declaration of prelude.declarations) {
    if (used.has(declaration)) continue;
    problem(
      prelude.path,
      declaration.line,
      `declares ${declaration.names.join(', ')}, which no block of ${rel(readme)} uses`,
    );
  }
  reports.push({ readme, blocks });
}
// A prelude whose README is gone (moved, renamed) would otherwise be dead weight nobody notices.
function findPreludes(dir, found = []) {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) findPreludes(path, found);
    else if (entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}
for (const prelude of findPreludes(preludeRoot)) {
  const readme = join(root, relative(preludeRoot, dirname(prelude)), 'README.md');
  if (!prelude.endsWith(`${sep}README.d.ts`) || !readmes.includes(readme)) {
    problem(prelude, 1, `no README for this prelude (expected ${rel(readme)})`);
  }
}

const host = ts.createCompilerHost(options, true);
const { getSourceFile, fileExists, readFile } = host;
host.getSourceFile = (fileName, languageVersion, ...rest) => {
  const file = files.get(resolve(fileName));
  if (file)
    return ts.createSourceFile(fileName, file.text, languageVersion, true, ts.ScriptKind.TS);
  return getSourceFile.call(host, fileName, languageVersion, ...rest);
};
host.fileExists = (fileName) => files.has(resolve(fileName)) || fileExists.call(host, fileName);
host.readFile = (fileName) => files.get(resolve(fileName))?.text ?? readFile.call(host, fileName);

const moduleCache = ts.createModuleResolutionCache(root, host.getCanonicalFileName, options);
const resolveFrom = (name, dir, mode) =>
  ts.resolveModuleName(
    name,
    join(dir, '__readme-example__.ts'),
    options,
    host,
    moduleCache,
    undefined,
    mode,
  );
host.resolveModuleNameLiterals = (
  literals,
  containingFile,
  redirected,
  compilerOptions,
  sourceFile,
) =>
  literals.map((literal) => {
    const name = literal.text;
    const mode = ts.getModeForUsageLocation(sourceFile, literal, compilerOptions);
    const file = files.get(resolve(containingFile));
    if (!file)
      return ts.resolveModuleName(
        name,
        containingFile,
        compilerOptions,
        host,
        moduleCache,
        redirected,
        mode,
      );
    // What a reader would have installed: the pipewell package itself, and what the README's
    // package (or, failing that, any workspace package) depends on.
    const pipewell = /^(@pipewell\/[^/]+)/.exec(name)?.[1];
    if (pipewell && packageDirs.has(pipewell))
      return resolveFrom(name, packageDirs.get(pipewell), mode);
    let result;
    for (const dir of [dirname(containingFile), root, ...workspaceDirs]) {
      result = resolveFrom(name, dir, mode);
      if (result.resolvedModule) return result;
    }
    return result;
  });

const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
const checker = program.getTypeChecker();

// The first `@deprecated` tag on a symbol or along its chain of re-exports: an example that
// compiles only through a deprecated re-export teaches an import that is about to go away.
// An overloaded function counts as deprecated only when every overload is; a call that resolves
// to a deprecated overload is caught at the call (deprecatedCall).
function deprecationOf(symbol) {
  for (let current = symbol, depth = 0; current && depth < 10; depth++) {
    const declarations = current.declarations ?? [];
    const tags = declarations.map((declaration) => ts.getJSDocDeprecatedTag(declaration));
    const overloaded = declarations.filter((d) => ts.isFunctionDeclaration(d)).length > 1;
    const tag = overloaded ? (tags.every(Boolean) ? tags[0] : undefined) : tags.find(Boolean);
    if (tag) return ts.getTextOfJSDocComment(tag.comment) ?? '';
    if (overloaded) return undefined;
    if (!(current.flags & ts.SymbolFlags.Alias)) return undefined;
    current = checker.getImmediateAliasedSymbol(current);
  }
  return undefined;
}

// The `@deprecated` text of the overload a call resolves to, if that overload is deprecated.
function deprecatedCall(call) {
  const declaration = checker.getResolvedSignature(call)?.declaration;
  const tag = declaration && ts.getJSDocDeprecatedTag(declaration);
  return tag ? (ts.getTextOfJSDocComment(tag.comment) ?? '') : undefined;
}

// Each deprecated name a block uses, once (at its import, usually), not at every use.
function deprecatedUses(sourceFile, lineCount) {
  const found = new Map();
  const visit = (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      const name = node.expression.text;
      const tag = deprecatedCall(node);
      if (tag !== undefined && !found.has(name)) {
        found.set(name, { start: node.getStart(sourceFile), name, reason: tag });
      }
    }
    if (ts.isIdentifier(node) && !found.has(node.text)) {
      const symbol = checker.getSymbolAtLocation(node);
      const reason = symbol && deprecationOf(symbol);
      if (reason !== undefined) {
        found.set(node.text, { start: node.getStart(sourceFile), name: node.text, reason });
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const statement of sourceFile.statements) {
    const { line } = sourceFile.getLineAndCharacterOfPosition(statement.getStart(sourceFile));
    if (line < lineCount) visit(statement);
  }
  return [...found.values()];
}

const errors = [];
const seenPreludeErrors = new Set();
const format = (diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
for (const diagnostic of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
  errors.push(`error TS${diagnostic.code}: ${format(diagnostic)}`);
}
for (const [name, file] of files) {
  const sourceFile = program.getSourceFile(name);
  // As tsc does: a block that does not parse gets no type errors, which would only be noise.
  const syntactic = program.getSyntacticDiagnostics(sourceFile);
  const { block } = file;
  const diagnostics =
    syntactic.length > 0
      ? syntactic
      : [
          ...program.getSemanticDiagnostics(sourceFile),
          ...deprecatedUses(sourceFile, block.code.length).map(({ start, name, reason }) => ({
            start,
            code: 6385,
            messageText: `'${name}' is deprecated. ${reason.replace(/\s+/g, ' ')}`,
          })),
        ];
  const inBlock = (diagnostic) =>
    sourceFile.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line < block.code.length;
  if (block.skip !== undefined) {
    if (!diagnostics.some(inBlock)) {
      problem(
        block.readme,
        block.line,
        'this block compiles: remove its readme-example skip marker',
      );
    }
    continue;
  }
  for (const diagnostic of diagnostics) {
    const { line, character } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    let where;
    let shown;
    if (line < block.code.length) {
      where = `${rel(block.readme)}:${block.line + 1 + line}:${block.indent + character + 1} (block at line ${block.line})`;
      shown = `${block.code[line]}\n${' '.repeat(character)}^`;
    } else {
      // A prelude error shows in every block of the README: report it once.
      const chunk = file.appended.findLast((entry) => entry.fileLine <= line);
      const at = `${rel(file.prelude.path)}:${chunk.preludeLine + line - chunk.fileLine}:${character + 1}`;
      if (seenPreludeErrors.has(`${at} ${diagnostic.code}`)) continue;
      seenPreludeErrors.add(`${at} ${diagnostic.code}`);
      where = `${at} (appended to the block at ${rel(block.readme)}:${block.line})`;
    }
    errors.push(
      `${where} - error TS${diagnostic.code}: ${format(diagnostic)}${shown ? `\n  ${shown.replace('\n', '\n  ')}` : ''}`,
    );
  }
}

for (const { readme, blocks } of reports) {
  if (blocks.length === 0) continue;
  const skipped = blocks.filter((block) => block.skip !== undefined);
  console.log(
    `${rel(readme)}: ${blocks.length - skipped.length} block(s) checked${skipped.length ? `, ${skipped.length} skipped` : ''}`,
  );
  for (const block of skipped) console.log(`  skipped ${rel(readme)}:${block.line}: ${block.skip}`);
}
const total = reports.reduce((sum, report) => sum + report.blocks.length, 0);
const skippedTotal = reports.reduce(
  (sum, r) => sum + r.blocks.filter((b) => b.skip !== undefined).length,
  0,
);
for (const message of [...problems, ...errors]) console.error(`\n${message}`);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const summary = `${total} block(s) in ${reports.filter((r) => r.blocks.length > 0).length} README(s): ${total - skippedTotal} checked, ${skippedTotal} skipped, ${problems.length + errors.length} error(s) (${seconds} s)`;
if (problems.length + errors.length > 0) {
  console.error(`\nreadme examples: ${summary}`);
  process.exit(1);
}
console.log(`readme examples: ${summary}`);
