/**
 * Checks shared by the Kubernetes constructs. Values may be Refs (known only at deploy time):
 * only literals are checked, and every failure names the construct path, the value and what is
 * expected (the API server would reject the same values later, with less context).
 */
import { IConstruct } from 'constructs';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { EntryRule } from '../../lib/core/validate';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** `MysqlDatabase` → `mysql-database`: a construct id as an object name. */
export function kebabName(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** A DNS-1123 label (namespaces, most names): at most 63 lowercase letters, digits and '-'. */
export function checkLabelName(node: NodeTemplate, what: string, value: unknown, options: { startWithLetter?: boolean } = {}): void {
  if (typeof value !== 'string' || !DNS_LABEL.test(value) || value.length > 63 || (options.startWithLetter && !/^[a-z]/.test(value))) {
    throw invalidProps(node, `${what} must be at most 63 lowercase letters, digits and '-', starting${options.startWithLetter ? ' with a letter' : ' and ending with a letter or digit'}, got ${describeValue(value)}`);
  }
}

/** A DNS-1123 subdomain (ConfigMap, Secret and other object names): '.' allowed, at most 253. */
export function checkSubdomainName(node: NodeTemplate, what: string, value: unknown): void {
  if (typeof value !== 'string' || !DNS_SUBDOMAIN.test(value) || value.length > 253) {
    throw invalidProps(node, `${what} must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253), got ${describeValue(value)}`);
  }
}

/** A resource quantity such as `10Gi`, `500m` or `2`. */
export function checkQuantity(node: NodeTemplate, what: string, value: unknown): void {
  if (Ref.isRef(value)) return;
  if (typeof value !== 'string' || !QUANTITY.test(value)) {
    throw invalidProps(node, `${what} must be a Kubernetes quantity such as '10Gi', '512Mi' or '500m', got ${describeValue(value)}`);
  }
}

/** Label and annotation keys, such as `app.kubernetes.io/name` (for checkStringMap). */
export const LABEL_KEYS: EntryRule = (key) =>
  LABEL_NAME.test(key) && key.length <= 316 ? undefined : `key ${JSON.stringify(key)} is not a valid label or annotation name (an optional DNS prefix and '/', then letters, digits, '-', '_' and '.')`;

/** Label values: at most 63 letters, digits, '-', '_' and '.' (for checkStringMap). */
export const LABEL_VALUES: EntryRule = (value) =>
  value.length <= 63 && /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(value) ? undefined : `must be a label value (at most 63 letters, digits, '-', '_' and '.'), got ${describeValue(value)}`;

/** A construct's path, for messages about it. */
export function pathOf(construct: IConstruct): string {
  return construct.node.path;
}
