#!/usr/bin/env node
'use strict';
/**
 * Apply benchmark (see BUDGET.md):
 *   1. deploy of 100 and 1,000 instances end to end with a zero-latency provider (lock, load, plan,
 *      apply with journaled intents, final snapshot), and the state bytes written per step;
 *   2. a 200-instance DAG with 50 ms per operation at concurrency 10, against the ideal schedule
 *      time max(critical path, total work / 10).
 *
 * Usage: node bench/apply/run.js [--sizes 100,1000] [--runs 3] [--skip-dag] [--strict] [--json]
 *   --strict  exit 1 when a budget is exceeded
 *   --json    print the measurements as JSON instead of tables
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
  const options = { sizes: [100, 1000], runs: 3, dag: true, strict: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--sizes') options.sizes = argv[++i].split(',').map(Number);
    else if (flag === '--runs') options.runs = Number(argv[++i]);
    else if (flag === '--skip-dag') options.dag = false;
    else if (flag === '--strict') options.strict = true;
    else if (flag === '--json') options.json = true;
    else throw new Error(`unknown flag ${flag}; see the usage at the top of bench/apply/run.js`);
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
require('./apply-bench.ts').main(options).then(
  (withinBudget) => { process.exitCode = options.strict && !withinBudget ? 1 : 0; },
  (error) => { process.stderr.write(`${error && error.stack || error}\n`); process.exitCode = 1; },
);
