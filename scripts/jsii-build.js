#!/usr/bin/env node
/**
 * Builds the jsii assembly (`.jsii`) of hybrid's public construct surface.
 *
 * The repository is one package that also holds Node-only code (engine, providers, CLI) which jsii
 * must never see, so this script assembles a throwaway jsii project in `.jsii-build/`:
 *   1. starting from the entry named in jsii.json, it copies every TypeScript file the entry
 *      reaches through relative imports (and nothing else), refusing provider SDK imports;
 *   2. it writes a package.json from the root one (name, version, author, repository, license),
 *      with `main`/`types` pointing at the entry and the `jsii` block from jsii.json;
 *   3. it runs jsii there and copies the resulting `.jsii` assembly to the repository root.
 * Exits non-zero on any jsii error. Usage: `node scripts/jsii-build.js [--keep]`.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const BUILD_DIR = path.join(ROOT, '.jsii-build');
/** Packages the surface may import freely: its jsii dependency and Node built-ins. */
const ALLOWED_PACKAGES = new Set(['constructs', ...require('module').builtinModules]);
/** Provider SDKs: their types must never reach the construct surface (STYLE.md §12). */
const FORBIDDEN_PACKAGES = ['ssh2', '@kubernetes/client-node'];

const ROOT_PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/**
 * Other runtime dependencies (e.g. js-yaml) may be used inside the surface: jsii takes them as
 * bundled dependencies, and fails if one of their types appears in the public API.
 */
const ROOT_DEPENDENCIES = ROOT_PACKAGE.dependencies ?? {};

function fail(message) {
  process.stderr.write(`jsii-build: ${message}\n`);
  process.exit(1);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Module specifiers of `import ... from`, `export ... from`, `import '...'` and `require('...')`. */
function specifiersOf(source) {
  const found = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) found.push(match[1]);
  }
  return found;
}

function packageName(specifier) {
  const bare = specifier.replace(/^node:/, '');
  return bare.startsWith('@') ? bare.split('/').slice(0, 2).join('/') : bare.split('/')[0];
}

function resolveRelative(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [base + '.ts', path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * Every file the entry reaches through relative imports, in a stable order, and the imports jsii
 * cannot take (provider SDKs, packages that are not jsii dependencies).
 */
function collectSources(entry) {
  const seen = new Set();
  const bundled = new Set();
  const pending = [entry];
  const problems = [];
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.ts')) continue;
    const source = fs.readFileSync(file, 'utf8');
    for (const specifier of specifiersOf(source)) {
      const where = path.relative(ROOT, file);
      if (specifier.startsWith('.')) {
        const resolved = resolveRelative(file, specifier);
        if (!resolved) problems.push(`${where}: cannot resolve '${specifier}'`);
        else pending.push(resolved);
        continue;
      }
      const name = packageName(specifier);
      if (FORBIDDEN_PACKAGES.includes(name)) {
        problems.push(`${where} imports the provider SDK '${name}', which must never reach the construct surface`);
      } else if (!ALLOWED_PACKAGES.has(name) && !ROOT_DEPENDENCIES[name]) {
        problems.push(`${where} imports '${name}', which is not a dependency of the package`);
      } else if (!ALLOWED_PACKAGES.has(name)) {
        bundled.add(name);
      }
    }
  }
  return { sources: [...seen].sort(), problems, bundled: [...bundled].sort() };
}

function writePackageJson(config, bundled) {
  const root = ROOT_PACKAGE;
  const entry = config.entry.replace(/\.ts$/, '');
  const constructsVersion = (root.dependencies ?? {}).constructs ?? (root.devDependencies ?? {}).constructs;
  if (!constructsVersion) fail('package.json does not depend on constructs');
  // jsii wants the peer range for users and the exact installed version to build against.
  const installedConstructs = readJson(require.resolve('constructs/package.json', { paths: [ROOT] })).version;
  const author = typeof root.author === 'string' ? { name: root.author } : { ...root.author };
  // jsii needs a way to reach the author; fall back to the repository's address.
  if (!author.url && !author.email) author.url = (root.repository && root.repository.url) || root.homepage;
  const pkg = {
    name: root.name,
    version: root.version,
    description: root.description,
    license: root.license,
    author,
    repository: root.repository,
    main: `${entry}.js`,
    types: `${entry}.d.ts`,
    peerDependencies: { constructs: constructsVersion },
    dependencies: Object.fromEntries(bundled.map((name) => [name, root.dependencies[name]])),
    bundledDependencies: bundled,
    devDependencies: {
      constructs: installedConstructs,
      ...Object.fromEntries(bundled.filter((name) => root.devDependencies?.[`@types/${name}`]).map((name) => [`@types/${name}`, root.devDependencies[`@types/${name}`]])),
    },
    jsii: config.jsii,
  };
  fs.writeFileSync(path.join(BUILD_DIR, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
}

function main() {
  const started = process.hrtime.bigint();
  const configFile = path.join(ROOT, 'jsii.json');
  if (!fs.existsSync(configFile)) fail('jsii.json not found');
  const config = readJson(configFile);
  if (!config.entry || !config.jsii) fail('jsii.json needs "entry" and "jsii"');
  const entry = path.join(ROOT, config.entry);
  if (!fs.existsSync(entry)) fail(`entry ${config.entry} not found`);

  const { sources, problems, bundled } = collectSources(entry);
  if (problems.length > 0) fail(`the construct surface has imports jsii cannot take:\n  ${problems.join('\n  ')}`);
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  for (const file of sources) {
    const target = path.join(BUILD_DIR, path.relative(ROOT, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
  }
  writePackageJson(config, bundled);
  const readme = path.join(ROOT, 'README.md');
  if (fs.existsSync(readme)) fs.copyFileSync(readme, path.join(BUILD_DIR, 'README.md'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(BUILD_DIR, 'node_modules'), 'dir');

  const jsiiBin = require.resolve('jsii/bin/jsii', { paths: [ROOT] });
  const result = spawnSync(process.execPath, [jsiiBin, ...(config.flags ?? [])], {
    cwd: BUILD_DIR,
    stdio: 'inherit',
    // jsii 6 prints a banner on Node 20 (end of life); the build itself works there.
    env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0] },
  });
  if (result.error) fail(`could not run jsii: ${result.error.message}`);
  if (result.status !== 0) fail(`jsii failed (exit ${result.status}); the errors are listed above`);

  const assembly = path.join(BUILD_DIR, '.jsii');
  if (!fs.existsSync(assembly)) fail('jsii succeeded but wrote no .jsii assembly');
  fs.copyFileSync(assembly, path.join(ROOT, '.jsii'));
  const types = Object.keys(readJson(assembly).types ?? {}).length;
  if (!process.argv.includes('--keep')) fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`jsii-build: wrote .jsii (${types} types from ${sources.length} files) in ${seconds.toFixed(1)} s\n`);
}

module.exports = { collectSources };

if (require.main === module) main();
