'use strict';
/**
 * Writes the generated benchmark programs: one inventory of N services (`services.json`, a pure
 * function of the index) and three programs that turn it into a deployable description:
 *   - hybrid (`hybrid-<n>/main.ts`, a project with hybrid.json, as `hybrid init` makes one),
 *   - cdk8s, N Deployment ApiObjects (`cdk8s-<n>/main.ts`),
 *   - plain objects dumped with js-yaml (`plain-<n>/main.ts`), the floor any synth is compared with.
 * Programs loop over the inventory as people write large programs; a program of N straight-line
 * statements would mostly measure V8 compiling one huge function (see BUDGET.md).
 *
 * Each hybrid service is a node template with 11 properties (refs to two inputs, an attribute of
 * the previous service, a concat), a connected_to relationship to the service two places back on
 * every other node, and the implicit depends_on its attribute reference adds: 1–2 relationships.
 *
 * Usage: node bench/synth/generate.js <outDir> <n...>
 */
const fs = require('fs');
const path = require('path');

const PER_TIER = 100;

/** The inventory entry of service `i`. */
function service(i) {
  const port = 8000 + (i % 1000);
  return {
    id: `Service${i}`,
    tier: `Tier${Math.floor(i / PER_TIER)}`,
    name: `service-${i}`,
    image: `/service-${i}:1.${i % 10}.0`,
    replicas: 1 + (i % 3),
    port,
    cpu: `${100 + (i % 4) * 100}m`,
    memory: `${128 * (1 + (i % 4))}Mi`,
    labels: { app: `service-${i}`, tier: `tier-${Math.floor(i / PER_TIER)}`, team: `team-${i % 7}` },
    command: ['/bin/server', '--port', String(port), '--log-format', 'json'],
    enabled: i % 5 !== 0,
    owner: `team-${i % 7}@example.com`,
  };
}

const READ_INVENTORY = [
  "import * as fs from 'fs';",
  "import * as path from 'path';",
];
const SERVICE_INTERFACE = [
  'interface Service {',
  '  id: string; tier: string; name: string; image: string; replicas: number; port: number; cpu: string; memory: string;',
  '  labels: { [key: string]: string }; command: string[]; enabled: boolean; owner: string;',
  '}',
  "const services: Service[] = JSON.parse(fs.readFileSync(path.join(__dirname, 'services.json'), 'utf8'));",
];

/** A hybrid program as a user writes it: imports from 'hybrid-iac', creates its App at load. */
function hybridProgram(n) {
  return [
    ...READ_INVENTORY,
    "import { Construct } from 'constructs';",
    "import { App, Fn, Input, NodeTemplate, NodeType, Output, Stack } from 'hybrid-iac';",
    '',
    ...SERVICE_INTERFACE,
    `const app = new App({ description: 'Generated benchmark program with ${n} node templates' });`,
    "const stack = new Stack(app, 'bench');",
    "new NodeType(stack, 'ServiceType', {",
    "  name: 'bench.nodes.Service',",
    '  properties: {',
    "    image: { type: 'string' }, replicas: { type: 'integer', default: 1 }, port: { type: 'integer' },",
    "    cpu: { type: 'string', default: '100m' }, memory: { type: 'string', default: '128Mi' }, region: { type: 'string' },",
    "    labels: { type: 'dict', default: {} }, env: { type: 'dict', default: {} }, command: { type: 'list', default: [] },",
    "    enabled: { type: 'boolean', default: true }, owner: { type: 'string', default: '' },",
    '  },',
    "  interfaces: { 'cloudify.interfaces.lifecycle': { create: 'hybrid.local.command.create', delete: 'hybrid.local.command.delete' } },",
    '});',
    "const region = new Input(stack, 'region', { default: 'eu-west-1', description: 'Where the services run' });",
    "const registry = new Input(stack, 'registry', { default: 'registry.example.com' });",
    'const tiers = new Map<string, Construct>();',
    'const nodes: NodeTemplate[] = [];',
    'services.forEach((service, i) => {',
    '  let tier = tiers.get(service.tier);',
    '  if (!tier) tiers.set(service.tier, (tier = new Construct(stack, service.tier)));',
    "  const node = new NodeTemplate(tier, service.id, { type: 'bench.nodes.Service', properties: {",
    '    image: Fn.concat(registry.value, service.image), replicas: service.replicas, port: service.port, cpu: service.cpu,',
    '    memory: service.memory, region: region.value, labels: service.labels,',
    "    env: { LOG_LEVEL: 'info', SERVICE_NAME: service.name, PEER_ADDRESS: i > 0 ? nodes[i - 1].attr('address') : 'none' },",
    '    command: service.command, enabled: service.enabled, owner: service.owner,',
    '  } });',
    '  if (i >= 2 && i % 2 === 0) node.connectTo(nodes[i - 2]);',
    '  nodes.push(node);',
    '});',
    "new Output(stack, 'first', { value: Fn.concat('http://', nodes[0].attr('address'), ':8000') });",
    '',
  ].join('\n');
}

/** The same services as cdk8s Deployments (ApiObject), synthesized with app.synthYaml(). */
function cdk8sProgram() {
  return [
    ...READ_INVENTORY,
    "import { ApiObject, App, Chart } from 'cdk8s';",
    "import { Construct } from 'constructs';",
    '',
    ...SERVICE_INTERFACE,
    'export const app = new App();',
    "const chart = new Chart(app, 'bench');",
    'const tiers = new Map<string, Construct>();',
    'services.forEach((service, i) => {',
    '  let tier = tiers.get(service.tier);',
    '  if (!tier) tiers.set(service.tier, (tier = new Construct(chart, service.tier)));',
    '  const container = {',
    "    name: 'app', image: `registry.example.com${service.image}`, command: service.command, ports: [{ containerPort: service.port }],",
    '    resources: { requests: { cpu: service.cpu, memory: service.memory } },',
    "    env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'SERVICE_NAME', value: service.name }, { name: 'PEER_ADDRESS', value: i > 0 ? services[i - 1].name : 'none' }],",
    '  };',
    "  new ApiObject(tier, service.id, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: service.name, labels: service.labels },",
    '    spec: { replicas: service.replicas, selector: { matchLabels: { app: service.name } }, template: { metadata: { labels: service.labels },',
    '    spec: { containers: [container] } } } });',
    '});',
    '',
  ].join('\n');
}

/** The same node templates as plain objects, dumped with js-yaml: no constructs, no checks. */
function plainProgram() {
  return [
    ...READ_INVENTORY,
    "import { dump } from 'js-yaml';",
    '',
    ...SERVICE_INTERFACE,
    'export function synth(): string {',
    '  const nodes: { [name: string]: any } = {};',
    '  const nameOf = (s: Service) => `${s.tier}-${s.id}`.toLowerCase();',
    '  services.forEach((service, i) => {',
    '    const relationships: any[] = [];',
    "    if (i >= 2 && i % 2 === 0) relationships.push({ type: 'cloudify.relationships.connected_to', target: nameOf(services[i - 2]) });",
    "    if (i > 0) relationships.push({ type: 'cloudify.relationships.depends_on', target: nameOf(services[i - 1]) });",
    '    nodes[nameOf(service)] = {',
    "      type: 'bench.nodes.Service',",
    '      properties: {',
    "        image: { concat: [{ get_input: 'registry' }, service.image] }, replicas: service.replicas, port: service.port, cpu: service.cpu,",
    "        memory: service.memory, region: { get_input: 'region' }, labels: service.labels,",
    "        env: { LOG_LEVEL: 'info', SERVICE_NAME: service.name, PEER_ADDRESS: i > 0 ? { get_attribute: [nameOf(services[i - 1]), 'address'] } : 'none' },",
    '        command: service.command, enabled: service.enabled, owner: service.owner,',
    '      },',
    '      ...(relationships.length ? { relationships } : {}),',
    '    };',
    '  });',
    "  return dump({ tosca_definitions_version: 'cloudify_dsl_1_4', node_templates: nodes }, { noRefs: true });",
    '}',
    '',
  ].join('\n');
}

function write(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** Writes the three programs (and their inventory) for size `n` under `outDir`; returns their directories. */
function generate(outDir, n) {
  const inventory = JSON.stringify(Array.from({ length: n }, (_, i) => service(i)));
  const hybrid = path.join(outDir, `hybrid-${n}`);
  write(path.join(hybrid, 'main.ts'), hybridProgram(n));
  write(path.join(hybrid, 'hybrid.json'), JSON.stringify({ app: 'main.ts' }, null, 2) + '\n');
  const cdk8s = path.join(outDir, `cdk8s-${n}`);
  write(path.join(cdk8s, 'main.ts'), cdk8sProgram(n));
  const plain = path.join(outDir, `plain-${n}`);
  write(path.join(plain, 'main.ts'), plainProgram(n));
  for (const dir of [hybrid, cdk8s, plain]) write(path.join(dir, 'services.json'), inventory);
  return { hybrid, cdk8s, plain };
}

module.exports = { generate, hybridProgram, cdk8sProgram, plainProgram };

if (require.main === module) {
  const [outDir, ...sizes] = process.argv.slice(2);
  if (!outDir || sizes.length === 0) {
    process.stderr.write('usage: node bench/synth/generate.js <outDir> <n...>\n');
    process.exit(64);
  }
  for (const n of sizes) process.stdout.write(JSON.stringify(generate(path.resolve(outDir), Number(n))) + '\n');
}
