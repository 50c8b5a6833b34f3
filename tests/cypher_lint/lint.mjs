#!/usr/bin/env node
// Lint .cypher files with Neo4j's own Cypher 5 parser + semantic analysis.
//
// Usage: node lint.mjs PATH [PATH ...]
//   PATH is a .cypher file or a directory (searched recursively for *.cypher).
// Output (stdout): JSON array [{file, severity, message, line, col}], line/col
//   1-based. Exit 0 = no error-severity diagnostic, 1 = at least one error,
//   2 = usage error / unreadable file / broken linter (self-check failed).
//   Summary line on stderr. Severity: error | warning | information | hint.
// Everything runs in ONE node process: files are handed out to worker
// threads (one per core; env CYPHER_LINT_JOBS=N overrides), each loading the
// package once (~1.5 s). The semantic analysis costs ~50-200 ms of CPU per
// statement, which dominates (50 project files: ~15 s CPU single-threaded).
//
// What was found in @neo4j-cypher/language-support@2.0.0-next.38 (pinned):
// * Public API: lintCypherQuery(query, dbSchema, {consoleCommandsEnabled})
//   -> {diagnostics: Diagnostic[] (LSP shape: severity 1=error 2=warning,
//   0-based range), symbolTables}. It runs (a) the package's ANTLR grammar
//   (a permissive Cypher 25 superset used for editor features) and (b) Neo4j's
//   real parser + semantic analysis compiled to JS
//   (dist/.../syntaxValidation/semanticAnalysis.js), invoked as
//   analyzeQuery(statementText, cypherVersion).
// * Cypher version: the semantic analysis takes 'CYPHER 5' | 'CYPHER 25'.
//   It is the statement's own `CYPHER <n>` prefix if present, else
//   dbSchema.defaultLanguage, else 'CYPHER 5'. We set
//   dbSchema.defaultLanguage = 'CYPHER 5' explicitly. Verified:
//   `MATCH (n) LET x = 1 RETURN x` (LET/FILTER are Cypher 25 only) is an
//   error here and clean under 'CYPHER 25'. A statement carrying an explicit
//   `CYPHER 25` prefix would silently switch version, so we (1) report such a
//   prefix as an error and (2) still analyse the statement body as Cypher 5.
// * Parameters: every `$name` is an error ("Parameter $x is not defined.")
//   unless present in dbSchema.parameters; we collect each statement's
//   parameters from the parse and declare them (values unknown -> null).
// * Multi-statement files: statements are split by the package's parser
//   (createParsingResult, imported from its dist path because the package
//   index does not export it; fine since the version is pinned exactly). Each
//   statement is linted separately and positions mapped back to the file.
//   Segments holding only comments/whitespace (e.g. a trailing `// end` after
//   the last `;`) are skipped; Neo4j itself would reject such an empty query,
//   so whoever executes the files must skip them as well.
// * Some semantic errors have no position (-1); they are reported at the
//   statement start.
// * The package wraps the semantic analysis in try/catch and returns no
//   errors if it throws, so at start-up we lint a known-bad query and exit 2
//   if the expected error is missing (no silent green).
// * No DB schema is given: unknown labels/properties produce nothing, unknown
//   functions/procedures are NOT checked (only checked when the schema lists
//   functions/procedures).
// * The package declares engines.node >=24.11.1; it works on node 20 (npm
//   only prints an EBADENGINE warning).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

// Loaded lazily, only in the threads that lint (see loadLinter).
let lintCypherQuery;
let createParsingResult;
async function loadLinter() {
  ({ lintCypherQuery } = await import('@neo4j-cypher/language-support'));
  ({ createParsingResult } = await import(
    './node_modules/@neo4j-cypher/language-support/dist/esm/project/language-support/src/cypherLanguageService.js'
  ));
}

const CYPHER_VERSION = 'CYPHER 5';
const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const EOF_TYPE = -1;

function collectFiles(paths) {
  const out = [];
  const walk = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const child = join(p, name);
        if (name === 'node_modules' || name.startsWith('.')) continue;
        const cst = statSync(child);
        if (cst.isDirectory()) walk(child);
        else if (name.endsWith('.cypher')) out.push(child);
      }
    } else {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

function stripBackticks(name) {
  return name.startsWith('`') && name.endsWith('`') ? name.slice(1, -1) : name;
}

function isBlankSegment(parsed) {
  // Only hidden-channel tokens (whitespace, comments) besides ';' / EOF.
  return parsed.tokens.every(
    (t) => t.channel !== 0 || t.type === EOF_TYPE || t.text === ';',
  );
}

/** Lint one file's text; returns [{severity, message, line, col}] (1-based). */
function lintText(text) {
  const results = [];
  const push = (severity, message, line0, col0) =>
    results.push({
      severity: SEVERITY[severity] ?? String(severity),
      message,
      line: line0 + 1,
      col: col0 + 1,
    });
  const parsing = createParsingResult(text, { consoleCommandsEnabled: false });
  for (const s of parsing.statementsParsing) {
    if (isBlankSegment(s)) continue;
    const cmd = s.command;
    // Token.line is 1-based, Token.column 0-based.
    const startLine0 = (cmd.start?.line ?? 1) - 1;
    const startCol0 = cmd.start?.column ?? 0;
    const absolute = (d) =>
      push(d.severity, d.message, Math.max(d.range.start.line, 0), Math.max(d.range.start.character, 0));

    if (cmd.type !== 'cypher' && cmd.type !== 'auto') {
      // Console commands (":param ..."): reported by the parser as errors.
      s.syntaxErrors.forEach(absolute);
      if (s.syntaxErrors.length === 0)
        push(1, `Not a Cypher statement (${cmd.type} command)`, startLine0, startCol0);
      continue;
    }
    if (s.cypherVersionError) {
      absolute(s.cypherVersionError);
      continue;
    }
    if (s.cypherVersion && s.cypherVersion !== CYPHER_VERSION) {
      push(1, `Explicit '${s.cypherVersion}' prefix: this project's queries must be ${CYPHER_VERSION} (remove the prefix)`, startLine0, startCol0);
    }
    const statement = cmd.statement ?? '';
    if (statement.trim().length === 0 || statement.trim() === ';') {
      s.syntaxErrors.forEach(absolute);
      if (s.syntaxErrors.length === 0)
        push(1, 'Empty statement (only preparser keywords such as EXPLAIN/PROFILE/CYPHER)', startLine0, startCol0);
      continue;
    }
    const parameters = {};
    for (const p of s.collectedParameters) parameters[stripBackticks(p.name)] = null;
    const { diagnostics } = lintCypherQuery(
      statement,
      { defaultLanguage: CYPHER_VERSION, parameters },
      { consoleCommandsEnabled: false },
    );
    for (const d of diagnostics) {
      const { line, character } = d.range.start;
      if (line < 0 || character < 0) {
        push(d.severity, `${d.message} (no position given; reported at statement start)`, startLine0, startCol0);
      } else {
        push(d.severity, d.message, startLine0 + line, line === 0 ? startCol0 + character : character);
      }
    }
  }
  return results;
}

function selfCheck() {
  const bad = lintText('MATCH (n) RETURN m');
  const okSemantic = bad.some((d) => d.severity === 'error' && /not defined/.test(d.message));
  const v25 = lintText('MATCH (n) LET x = 1 RETURN x');
  const okVersion = v25.some((d) => d.severity === 'error');
  const okParams = lintText('RETURN $p AS p').length === 0;
  if (!okSemantic || !okVersion || !okParams) {
    throw new Error(
      `self-check failed: semantic analysis not working (semantic=${okSemantic}, cypher5=${okVersion}, params=${okParams})`,
    );
  }
}

function lintFile(file) {
  return lintText(readFileSync(file, 'utf8')).map((d) => ({ file, ...d }));
}

// Worker thread: load the package once, then lint files as they are handed out.
async function workerMain() {
  try {
    await loadLinter();
    selfCheck();
  } catch (e) {
    parentPort.postMessage({ fatal: String(e?.stack ?? e) });
    return;
  }
  parentPort.on('message', ({ index, file }) => {
    try {
      parentPort.postMessage({ index, diagnostics: lintFile(file) });
    } catch (e) {
      parentPort.postMessage({ fatal: `${file}: ${e?.stack ?? e}` });
    }
  });
  parentPort.postMessage({ ready: true });
}

function fatal(msg) {
  process.stderr.write(`lint.mjs: ${msg}\n`);
  process.exit(2);
}

// Main thread: one node process; the semantic analysis (Neo4j's Java front
// end compiled to JS) costs ~50-200 ms per statement, so files are spread
// over worker threads, one per core (CYPHER_LINT_JOBS overrides).
async function main(argv) {
  if (argv.length === 0) fatal('usage: node lint.mjs FILE_OR_DIR [...]');
  let files;
  try {
    files = collectFiles(argv.map((p) => resolve(p)));
  } catch (e) {
    fatal(e.message);
  }
  const jobsEnv = Number.parseInt(process.env.CYPHER_LINT_JOBS ?? '', 10);
  const jobs = Math.max(
    1,
    Math.min(Number.isFinite(jobsEnv) && jobsEnv > 0 ? jobsEnv : availableParallelism(), Math.ceil(files.length / 4)),
  );
  const results = new Array(files.length);
  let next = 0;
  let done = 0;
  await new Promise((resolveAll) => {
    // With no files one worker still starts, loads the package and runs the
    // self-check, so an empty run is not a vacuous pass on a broken install.
    let alive = 0;
    for (let w = 0; w < jobs; w++) {
      const worker = new Worker(new URL(import.meta.url));
      alive++;
      const feed = () => {
        if (next < files.length) {
          const index = next++;
          worker.postMessage({ index, file: files[index] });
        } else {
          worker.terminate();
        }
      };
      worker.on('message', (m) => {
        if (m.fatal) fatal(m.fatal);
        if (m.diagnostics) {
          results[m.index] = m.diagnostics;
          done++;
        }
        feed();
      });
      worker.on('error', (e) => fatal(String(e?.stack ?? e)));
      worker.on('exit', () => {
        alive--;
        if (alive === 0) resolveAll();
      });
    }
  });
  if (done !== files.length) fatal(`internal error: linted ${done} of ${files.length} files`);
  const out = results.flat();
  const errors = out.filter((d) => d.severity === 'error').length;
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
  process.stderr.write(
    `lint.mjs: ${files.length} file(s), ${errors} error(s), ${out.length - errors} other diagnostic(s), ${jobs} thread(s)\n`,
  );
  process.exitCode = errors > 0 ? 1 : 0;
}

if (isMainThread) {
  await main(process.argv.slice(2));
} else {
  await workerMain();
}
