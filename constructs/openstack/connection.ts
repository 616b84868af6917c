import { NodeTemplate } from '../../lib/core/node-template';
import { checkString } from '../../lib/core/validate';

/**
 * Which cloud a construct deploys to. Credentials never appear here: they come from clouds.yaml
 * (+ secure.yaml) or the OS_* variables at deploy time, as for the OpenStack CLI.
 */
export interface OpenStackConnectionProps {
  /** The cloud's name in clouds.yaml. @default - OS_CLOUD, else the OS_* variables */
  readonly cloud?: string;
  /** The region. @default - the cloud's region */
  readonly region?: string;
}

/** The cloud and region of something on a network: its own when given, else the network's. */
export function connectionOn(props: OpenStackConnectionProps, network: OpenStackConnectionProps): OpenStackConnectionProps {
  return { cloud: props.cloud ?? network.cloud, region: props.region ?? network.region };
}

/** Sets `cloud` and `region` on a node when given. */
export function applyConnection(node: NodeTemplate, props: OpenStackConnectionProps): void {
  checkString(node, 'cloud', props.cloud, { optional: true });
  checkString(node, 'region', props.region, { optional: true });
  if (props.cloud) node.setProperty('cloud', props.cloud);
  if (props.region) node.setProperty('region', props.region);
}

/** Marks a node as a lookup of an existing resource by name or id (Cloudify's use_external_resource). */

export function asLookup(node: NodeTemplate, nameOrId: string): void {
  checkString(node, 'name or id', nameOrId, { nonEmpty: true });
  node.setProperty('use_external_resource', true);
  node.setProperty('resource_id', nameOrId);
}
