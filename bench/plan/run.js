#!/usr/bin/env node
'use strict';
/**
 * Plan benchmark (see BUDGET.md): plans a stack of about 10,000 instances (scaling-group units with
 * hosts, relationships and get_attribute) against no state and against the state of a deployment
 * of it, and times `hybrid diff`'s workflow end to end (lock, load state, plan).
 *
 * Usage: node bench/plan/run.js [--units 2000] [--runs 5] [--strict] [--json]
 *   --units N  scaling-group units; each holds 5 instances (default 2000: 10,002 instances)
 *   --strict   exit 1 when a budget is exceeded
 *   --json     print the measurements as JSON instead of a table
 */
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

// TypeScript is registered as the CLI registers it: lib/cli/program.ts's registerTypeScript(),
// itself loaded through a minimal hook.
require.extensions['.ts'] = (module, filename) => {
  module._compile(esbuild.transformSync(fs.readFileSync(filename, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename }).code, filename);
};
require(path.resolve(__dirname, '../../lib/cli/program.ts')).registerTypeScript();

function parseArgs(argv) {
  const options = { units: 2000, runs: 5, strict: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--units') options.units = Number(argv[++i]);
    else if (flag === '--runs') options.runs = Number(argv[++i]);
    else if (flag === '--strict') options.strict = true;
    else if (flag === '--json') options.json = true;
    else throw new Error(`unknown flag ${flag}; see the usage at the top of bench/plan/run.js`);
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
require('./plan-bench.ts').main(options).then(
  (withinBudget) => { process.exitCode = options.strict && !withinBudget ? 1 : 0; },
  (error) => { process.stderr.write(`${error && error.stack || error}\n`); process.exitCode = 1; },
);
