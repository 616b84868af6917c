#!/usr/bin/env node
/**
 * Generates constructs/kubernetes/api.generated.ts: the Kubernetes API data types the typed
 * constructs take (containers, volumes, probes, service ports, RBAC rules...), from the official
 * models that @kubernetes/client-node generates from the Kubernetes OpenAPI schema.
 *
 * The output is jsii-safe: readonly interfaces, no generics, no type from client-node. Field
 * names are the API's own (they are camelCase already), so a value is written into a manifest as
 * is. Every scalar also takes a Ref, because values often come from other nodes (an address, a
 * secret). Usage: `node constructs/kubernetes/tools/generate-api.js` (then commit the output).
 */
'use strict';
const fs = require('fs');
const path = require('path');

const MODELS = path.join(__dirname, '..', '..', '..', 'node_modules', '@kubernetes', 'client-node', 'dist', 'gen', 'models');
const OUTPUT = path.join(__dirname, '..', 'api.generated.ts');

/** The types the constructs take directly; everything they reach is generated too. */
const ROOTS = [
  'V1PodSpec', 'V1Container', 'V1Volume', 'V1ResourceRequirements', 'V1Probe', 'V1EnvVar', 'V1EnvFromSource', 'V1VolumeMount',
  'V1ContainerPort', 'V1LabelSelector', 'V1DeploymentStrategy', 'V1StatefulSetUpdateStrategy', 'V1DaemonSetUpdateStrategy',
  'V1PersistentVolumeClaimSpec', 'V1ServicePort', 'V1SessionAffinityConfig', 'V1IngressRule', 'V1IngressTLS', 'V1IngressBackend',
  'V1PolicyRule', 'RbacV1Subject', 'V1RoleRef', 'V1LocalObjectReference', 'V1EndpointAddress', 'CoreV1EndpointPort', 'V1JobSpec',
];
/** Types written by hand in the output instead (see HAND_WRITTEN). */
const REPLACED = { V1ObjectMeta: 'K8sObjectMeta' };

const HAND_WRITTEN = `/** The metadata of an object inside another (a pod template, a claim template). */
export interface K8sObjectMeta {
  /** The object's name. @default - none (a pod template's pods are named by their controller) */
  readonly name?: string;
  /** Labels. @default - none */
  readonly labels?: { [key: string]: string | Ref };
  /** Annotations. @default - none */
  readonly annotations?: { [key: string]: string | Ref };
}
`;

function parseModel(className) {
  const file = path.join(MODELS, `${className}.d.ts`);
  if (!fs.existsSync(file)) throw new Error(`no model ${className} in ${MODELS}`);
  const text = fs.readFileSync(file, 'utf8');
  const classMatch = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?export declare class (\w+) \{([\s\S]*?)\n    static readonly discriminator/.exec(text);
  if (!classMatch) throw new Error(`cannot parse ${file}`);
  const fields = [];
  // One field per line at four spaces (a map type spans three lines), after its doc comment.
  const lines = classMatch[3].split('\n');
  let doc = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (/^    \/\*\*/.test(line)) {
      const start = index;
      while (!/\*\/\s*$/.test(lines[index])) index++;
      doc = lines.slice(start, index + 1).join('\n').replace(/^\s*\/\*\*/, '').replace(/\*\/\s*$/, '');
      continue;
    }
    const field = /^    '([^']+)'(\??): (.*)$/.exec(line);
    if (!field) continue;
    let type = field[3];
    if (type === '{') {
      type = `{ ${lines[index + 1].trim()} }`;
      index += 2;
    }
    fields.push({ doc: cleanDoc(doc), name: field[1], optional: field[2] === '?', type: type.replace(/;$/, '').replace(/\s+/g, ' ').trim() });
    doc = '';
  }
  return { name: className, doc: cleanDoc(classMatch[1]), fields };
}

function cleanDoc(doc) {
  if (!doc) return '';
  return doc
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trim())
    .join(' ')
    .replace(/\\'/g, "'")
    .replace(/\\"/g, '"')
    .replace(/\*\//g, '*\\/')
    .replace(/\s+/g, ' ')
    .trim();
}

const names = new Map();
const usedNames = new Set(['K8sObjectMeta']);

function interfaceName(className) {
  if (REPLACED[className]) return REPLACED[className];
  if (names.has(className)) return names.get(className);
  const short = className.replace(/^(?:[A-Z][a-z]+)?V\d+(?:(?:alpha|beta)\d+)?/, '');
  let name = `K8s${short}`;
  if (usedNames.has(name)) name = `K8s${className.replace(/V\d+.*$/, '')}${short}`;
  if (usedNames.has(name)) throw new Error(`name clash for ${className}: ${name}`);
  usedNames.add(name);
  names.set(className, name);
  return name;
}

const queue = [...ROOTS];
const models = new Map();

function typeOf(type) {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return `Array<${typeOf(array[1])}>`;
  const map = /^\{ \[key: string\]: (.+?);? \}$/.exec(type);
  if (map) return `{ [key: string]: ${typeOf(map[1])} }`;
  switch (type) {
    case 'string':
    case 'Date':
      return 'string | Ref';
    case 'number':
      return 'number | Ref';
    case 'boolean':
      return 'boolean | Ref';
    case 'IntOrString':
      return 'number | string | Ref';
    case 'any':
    case 'object':
      return 'any';
    default:
      if (!/^[A-Z]\w+$/.test(type)) throw new Error(`unknown type ${type}`);
      if (!REPLACED[type] && !models.has(type) && !queue.includes(type)) queue.push(type);
      return interfaceName(type);
  }
}

while (queue.length > 0) {
  const className = queue.shift();
  if (models.has(className) || REPLACED[className]) continue;
  const model = parseModel(className);
  models.set(className, model);
  interfaceName(className);
  model.rendered = model.fields.map((field) => ({ ...field, tsType: typeOf(field.type) }));
}

function docBlock(text, indent, tag) {
  const lines = wrap(text || 'See the Kubernetes API reference.', 100 - indent.length - 3);
  if (tag) lines.push(tag);
  return `${indent}/**\n${lines.map((line) => `${indent} * ${line}`).join('\n')}\n${indent} */\n`;
}

function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const sorted = [...models.values()].sort((a, b) => (interfaceName(a.name) < interfaceName(b.name) ? -1 : 1));
let output = `// Generated by constructs/kubernetes/tools/generate-api.js from the Kubernetes API models of
// @kubernetes/client-node (OpenAPI spec ${/OpenAPI spec version: (\S+)/.exec(fs.readFileSync(path.join(MODELS, 'V1Container.d.ts'), 'utf8'))[1]}). Do not edit.
// Older clusters reject fields they do not know.
/* eslint-disable */
import { Ref } from '../../lib/core/refs';

${HAND_WRITTEN}`;
for (const model of sorted) {
  output += `\n${docBlock(`${model.doc} (Kubernetes \`${model.name}\`)`.trim(), '', '')}export interface ${interfaceName(model.name)} {\n`;
  for (const field of model.rendered) {
    output += docBlock(field.doc, '  ', field.optional ? '@default - the API server\'s default' : '');
    output += `  readonly ${field.name}${field.optional ? '?' : ''}: ${field.tsType};\n`;
  }
  output += '}\n';
}
fs.writeFileSync(OUTPUT, output);
process.stdout.write(`wrote ${OUTPUT}: ${models.size} interfaces\n`);
