'use strict';
/**
 * Runs a TypeScript script in a child process the way the hybrid CLI runs a program: TypeScript is
 * registered by registerTypeScript() from lib/cli/program.ts. Usage: node entry.js <script.ts> [args].
 *
 * With HYBRID_TEST_COMPILE_CACHE set to a directory, transpiled files are cached there by content
 * hash: the crash harness starts a few hundred processes, and transpiling is most of their start-up.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const cacheDirectory = process.env.HYBRID_TEST_COMPILE_CACHE;

/** Wraps a require hook so that the code it compiles is cached by source content. */
function cached(hook) {
  if (!cacheDirectory) return hook;
  return (module, filename) => {
    const source = fs.readFileSync(filename);
    const key = path.join(cacheDirectory, crypto.createHash('sha256').update(filename).update(source).digest('hex') + '.js');
    if (fs.existsSync(key)) return module._compile(fs.readFileSync(key, 'utf8'), filename);
    hook({ _compile: (code) => {
      const temporary = `${key}.${process.pid}`;
      fs.writeFileSync(temporary, code);
      fs.renameSync(temporary, key);
      module._compile(code, filename);
    } }, filename);
  };
}

// program.ts is TypeScript itself: a minimal hook loads it (and what it imports), then
// registerTypeScript() installs the CLI's own hook for everything after.
require.extensions['.ts'] = cached((module, filename) => {
  module._compile(esbuild.transformSync(fs.readFileSync(filename, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename }).code, filename);
});
require(path.resolve(__dirname, '../../../lib/cli/program.ts')).registerTypeScript();
require.extensions['.ts'] = cached(require.extensions['.ts']);
require(path.resolve(process.argv[2]));
