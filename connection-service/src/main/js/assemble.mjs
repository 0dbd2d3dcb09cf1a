#!/usr/bin/env node
// Assembles the served browser client from the package's ES modules:
//   mesh-client/src/*.js      -> ../resources/webroot/mesh-client.js   (one ES module, what /mesh-client.js serves)
//   mesh-client/mesh-client.d.ts -> ../resources/webroot/mesh-client.d.ts
//
//   node connection-service/src/main/js/assemble.mjs          writes both files (npm run build:client)
//   node connection-service/src/main/js/assemble.mjs --check  fails if they differ from a fresh assembly (npm test)
//
// The outputs are committed, so the Maven build needs no Node. The assembly is a concatenation, not a bundler: each
// module's text is kept as written, in dependency order, minus its `import` statements, with `export` kept only on
// what src/index.js exports. That works because the modules follow three rules, which this script enforces:
//   - imports are named and relative (`import { a, b } from './x.js';`), without renaming;
//   - exports are declarations (`export const|function|class`), and src/index.js only re-exports them by name;
//   - top-level names are unique across modules (they share one scope once assembled).
// Dependency-free on purpose: Node 20 is all it needs.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, 'mesh-client');
const srcDir = join(packageDir, 'src');
const webroot = join(here, '..', 'resources', 'webroot');
const repoRoot = join(here, '..', '..', '..', '..');

const IMPORT_RE = /^import\s*\{([^}]*)\}\s*from\s*'(\.\/[\w-]+\.js)';\n/gm;
const RE_EXPORT_RE = /^export\s*\{([^}]*)\}\s*from\s*'(\.\/[\w-]+\.js)';$/gm;
const DECLARATION_RE = /^(export )?(?:const|let|var|class|function|async function)\s+(\w+)/gm;
// A JSDoc alias of a type from another module (`@typedef {import('...').X} X`): meaningless in one file.
const TYPE_ALIAS_RE = /^\/\*\* @typedef \{import\('[^']+'\)\.\w+(?:<[^}]*>)?(?:\[[^\]]*\])?\} \w+ \*\/\n/gm;

class AssemblyError extends Error {}

/** @param {string} list `a, b,\n c` */
function names(list) {
  return list.split(',').map((n) => n.trim()).filter(Boolean);
}

function read(file) {
  return readFileSync(join(srcDir, file), 'utf8');
}

/** The public names and the module each comes from, in src/index.js order. */
function publicApi() {
  const index = read('index.js');
  const exports = new Map();
  for (const m of index.matchAll(RE_EXPORT_RE)) {
    for (const name of names(m[1])) {
      if (/\bas\b/.test(name)) throw new AssemblyError(`src/index.js: renamed export "${name}" (export by name only)`);
      exports.set(name, m[2].slice(2));
    }
  }
  const rest = index.replace(RE_EXPORT_RE, '').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').trim();
  if (rest) throw new AssemblyError(`src/index.js may only re-export by name; found: ${rest.slice(0, 80)}`);
  const header = /^\/\*\*[\s\S]*?\*\//.exec(index)?.[0] ?? '';
  return { exports, header };
}

/** Parses one module: its imports (checked) and its text without them. */
function parseModule(file) {
  const text = read(file);
  const imports = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    for (const name of names(m[1])) {
      if (/\bas\b/.test(name)) throw new AssemblyError(`src/${file}: renamed import "${name}"`);
    }
    imports.push(m[2].slice(2));
  }
  const body = text.replace(IMPORT_RE, '');
  const stray = /^(import\b.*|export\s+(?:\{|\*|default)\b.*)$/m.exec(body);
  if (stray) throw new AssemblyError(`src/${file}: unsupported module syntax: ${stray[1]}`);
  if (/\bimport\s*\(\s*['"]/.test(body.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''))) {
    throw new AssemblyError(`src/${file}: dynamic import`);
  }
  return { file, imports, body };
}

/** Modules in dependency order (each after what it imports), starting from the ones src/index.js re-exports. */
function ordered(entries) {
  const done = new Map();
  const visiting = [];
  const visit = (file) => {
    if (done.has(file)) return;
    if (visiting.includes(file)) throw new AssemblyError(`import cycle: ${[...visiting, file].join(' -> ')}`);
    visiting.push(file);
    const module = parseModule(file);
    for (const dep of module.imports) visit(dep);
    visiting.pop();
    done.set(file, module);
  };
  for (const file of entries) visit(file);
  return [...done.values()];
}

export function assemble() {
  const { exports, header } = publicApi();
  const modules = ordered(new Set(exports.values()));
  const declaredIn = new Map();
  const sections = [];
  for (const { file, body } of modules) {
    for (const m of body.matchAll(DECLARATION_RE)) {
      const name = m[2];
      if (declaredIn.has(name)) {
        throw new AssemblyError(`top-level name ${name} is declared in both src/${declaredIn.get(name)} and src/${file}`);
      }
      declaredIn.set(name, file);
    }
    const text = body
      .replace(DECLARATION_RE, (whole, exported, name) => {
        if (!exported || exports.get(name) === file) return whole;
        return whole.slice('export '.length);
      })
      .replace(TYPE_ALIAS_RE, '')
      .replace(/import\('\.\.\/mesh-client\.js'\)/g, "import('./mesh-client.js')")
      .trim();
    sections.push(`/* ${'-'.repeat(40)} src/${file} */\n\n${text}\n`);
  }
  for (const [name, file] of exports) {
    if (declaredIn.get(name) !== file || !new RegExp(`^export (?:const|let|var|class|function|async function)\\s+${name}\\b`, 'm').test(modules.find((m) => m.file === file).body)) {
      throw new AssemblyError(`src/index.js re-exports ${name} from ./${file}, which does not export it`);
    }
  }
  const source = relative(repoRoot, srcDir);
  const generated = `// GENERATED from ${source}/*.js by ${relative(repoRoot, fileURLToPath(import.meta.url))}: edit the modules,\n`
    + '// then run `npm run build:client`. `npm test` fails while this file differs from a fresh assembly.\n';
  const js = `${header}\n${generated}\n${sections.join('\n')}`;
  const dts = `// GENERATED: a copy of ${relative(repoRoot, join(packageDir, 'mesh-client.d.ts'))} (npm run build:client).\n`
    + readFileSync(join(packageDir, 'mesh-client.d.ts'), 'utf8');
  return { 'mesh-client.js': js, 'mesh-client.d.ts': dts };
}

function main() {
  const check = process.argv.includes('--check');
  let outputs;
  try {
    outputs = assemble();
  } catch (err) {
    if (!(err instanceof AssemblyError)) throw err;
    console.error(`assemble: ${err.message}`);
    process.exit(1);
  }
  const stale = [];
  for (const [name, text] of Object.entries(outputs)) {
    const path = join(webroot, name);
    let current;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = null;
    }
    if (current === text) continue;
    if (check) stale.push(relative(repoRoot, path));
    else writeFileSync(path, text);
  }
  if (stale.length) {
    console.error(`assemble: ${stale.join(' and ')} differ from the modules: run \`npm run build:client\` and commit`);
    process.exit(1);
  }
  if (!check) console.log(`assemble: wrote ${Object.keys(outputs).map((n) => relative(repoRoot, join(webroot, n))).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
