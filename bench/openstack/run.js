#!/usr/bin/env node
'use strict';
/**
 * OpenStack deploy benchmark (see BUDGET.md): a network with N servers, each with its own port
 * and floating IP, deployed and destroyed on the real test cloud (test/support/openstack; it is
 * brought up if it is not running). Reports wall time, the critical path and API calls per
 * resource, and writes bench/results/openstack-latest.json.
 *
 * Usage: node bench/openstack/run.js [--servers 50] [--concurrency 10] [--json] [--strict]
 *   --strict  exit 1 when a budget is exceeded or anything is left behind
 */
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

require.extensions['.ts'] = (module, filename) => {
  module._compile(esbuild.transformSync(fs.readFileSync(filename, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename }).code, filename);
};

function parseArgs(argv) {
  const options = { servers: 50, concurrency: 10, json: false, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--servers') options.servers = Number(argv[++i]);
    else if (flag === '--concurrency') options.concurrency = Number(argv[++i]);
    else if (flag === '--json') options.json = true;
    else if (flag === '--strict') options.strict = true;
    else throw new Error(`unknown flag ${flag}; see the usage at the top of bench/openstack/run.js`);
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
require('./deploy-bench.ts').main(options).then(
  (ok) => { process.exitCode = options.strict && !ok ? 1 : 0; },
  (error) => { process.stderr.write(`${error && error.stack || error}\n`); process.exitCode = 1; },
);
