'use strict';
/**
 * Runs one measurement in a fresh process: loads a bundled benchmark entry (module loading is
 * not timed), calls its `measure()` (construct creation + synth + YAML, timed inside), and prints
 * { ms, bytes, maxRssKiB } as JSON. Peak RSS is the whole process's, module loading included.
 */
const bundle = process.argv[2];
const { measure } = require(bundle);
const result = measure();
process.stdout.write(JSON.stringify({ ...result, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
