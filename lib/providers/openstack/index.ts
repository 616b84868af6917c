/**
 * The `openstack` provider: networks, subnets, routers, security groups, ports, floating IPs,
 * key pairs, server groups, servers, volumes and images over the OpenStack REST APIs (node types in
 * lib/core/types/openstack.ts). Credentials come from clouds.yaml/secure.yaml or OS_* variables
 * as the OpenStack CLI reads them; one client (one token) per cloud and region serves a run.
 */
import { OperationContext, Provider } from '../../engine/provider';
import { ClientOptions, OpenStackClient } from './client/client';
import { loadCloudConfig, secretsOf } from './client/config';
import { str } from './resources/common';
import { imageKind } from './resources/image';
import { keyPairKind } from './resources/keypair';
import { operationsOf } from './resources/kind';
import { networkKind, subnetKind } from './resources/network';
import { floatingIpKind, portKind } from './resources/port';
import { routerInterfaceKind, routerKind } from './resources/router';
import { securityGroupKind } from './resources/security-group';
import { serverKind } from './resources/server';
import { serverGroupKind } from './resources/server-group';
import { volumeAttachmentKind, volumeKind } from './resources/volume';

export { OpenStackClient, ClientOptions, RequestRecord } from './client/client';
export { loadCloudConfig, CloudConfig } from './client/config';
export { OpenStackApiError } from './client/errors';

export interface OpenStackProviderOptions {
  /** Passed to every client (timeouts, retries, a request hook for metrics). */
  readonly client?: ClientOptions;
  /** The environment OS_* variables and OS_CLIENT_CONFIG_FILE are read from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Operations in flight at once, across all OpenStack nodes. @default 20 */
  readonly concurrency?: number;
}

/** One client per (cloud, region): a run authenticates once and reuses the token. */
class ClientPool {
  private readonly clients = new Map<string, OpenStackClient>();
  constructor(private readonly options: OpenStackProviderOptions) {}

  public async for(context: OperationContext): Promise<OpenStackClient> {
    const cloud = str(context, 'cloud');
    const region = str(context, 'region');
    const key = JSON.stringify([cloud, region]);
    let client = this.clients.get(key);
    if (!client) {
      const config = loadCloudConfig({ cloud, region, env: this.options.env, cwd: context.baseDirectory });
      client = new OpenStackClient(config, this.options.client);
      this.clients.set(key, client);
    }
    // Masked in every event and error from here on, should anything ever echo them.
    for (const secret of secretsOf(client.config)) context.registerSecret(secret);
    return client;
  }

  public close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

/**
 * Properties whose change replaces the resource (the others are updated in place). Types without
 * an update operation (router interface, key pair, server group, volume attachment, image) are
 * replaced on any change by the planner, so they need no entry.
 */
const LOOKUP = ['use_external_resource', 'resource_id', 'cloud', 'region'];
const REPLACE_ON: { [nodeType: string]: string[] } = {
  'hybrid.nodes.openstack.Network': [...LOOKUP],
  'hybrid.nodes.openstack.Subnet': [...LOOKUP, 'network_id', 'cidr', 'ip_version'],
  'hybrid.nodes.openstack.Router': [...LOOKUP],
  'hybrid.nodes.openstack.SecurityGroup': [...LOOKUP],
  'hybrid.nodes.openstack.Port': [...LOOKUP, 'network_id'],
  'hybrid.nodes.openstack.FloatingIP': [...LOOKUP, 'floating_network', 'floating_ip_address'],
  'hybrid.nodes.openstack.Server': [...LOOKUP, 'image', 'flavor', 'networks', 'key_name', 'user_data', 'availability_zone', 'server_group', 'security_groups'],
  'hybrid.nodes.openstack.Volume': [...LOOKUP, 'volume_type', 'availability_zone', 'image'],
};

export function openstackProvider(options: OpenStackProviderOptions = {}): Provider {
  const pool = new ClientPool(options);
  const clientFor = (context: OperationContext) => pool.for(context);
  const kinds = [networkKind, subnetKind, routerKind, routerInterfaceKind, securityGroupKind, portKind, floatingIpKind, keyPairKind, serverGroupKind, serverKind, volumeKind, volumeAttachmentKind, imageKind];
  const operations = Object.assign({}, ...kinds.map((kind) => operationsOf(kind as any, clientFor)));
  return {
    name: 'openstack',
    operations,
    replaceOn: REPLACE_ON,
    concurrency: options.concurrency ?? 20,
    close: async () => pool.close(),
  };
}
