#!/usr/bin/env node
'use strict';
// The published CLI runs the compiled dist/; a source checkout without a build says so.
let cli;
try {
  cli = require('../dist/lib/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/lib/cli/main.js')) {
    process.stderr.write('hybrid is not built: run `npm run build` in the hybrid package first\n');
    process.exit(70);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`${(error && error.stack) || error}\n`); process.exitCode = 1; },
);
