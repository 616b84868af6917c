import { Construct } from 'constructs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkIp, checkString, checkStringMap } from '../../lib/core/validate';
import { OpenStackConnectionProps, applyConnection, asLookup, connectionOn } from './connection';
import { OpenStackKeyPair } from './keypair';
import { IOpenStackNetwork, OpenStackNetwork } from './network';
import { OpenStackSecurityGroup } from './security-group';
import { OpenStackServerGroup } from './server-group';
import { METADATA_KEYS, fail } from './validate';
import { OpenStackVolume } from './volume';

const SERVER_BRAND = Symbol.for('hybrid.OpenStackServer');

/** A volume of a server: an existing OpenStackVolume, or a new one of the given size. */
export interface OpenStackServerVolume {
  /** A volume this program defines elsewhere. @default - a new volume of sizeGb, part of this server */
  readonly volume?: OpenStackVolume;
  /** Size in GiB of the new volume (when `volume` is not given). @default - required without volume */
  readonly sizeGb?: number;
  /** The device name, e.g. /dev/vdb. @default - Nova's choice */
  readonly device?: string;
}

/** Props of an OpenStackServer. */
export interface OpenStackServerProps extends OpenStackConnectionProps {
  /** The network the server's port is on. */
  readonly network: IOpenStackNetwork;
  /** The image, by name or id. */
  readonly image: string | Ref;
  /** The flavor, by name or id. */
  readonly flavor: string | Ref;
  /** The key pair to log in with. @default - none */
  readonly keyPair?: OpenStackKeyPair;
  /** Security groups of the server's port. @default - the network's default security group, if it has one */
  readonly securityGroups?: OpenStackSecurityGroup[];
  /** A fixed address on the network's subnet. @default - any free address */
  readonly fixedIp?: string;
  /** Give the server a floating IP from the network's external network. @default false */
  readonly floatingIp?: boolean;
  /** The external network the floating IP comes from. @default - the network's external network */
  readonly floatingNetwork?: string;
  /**
   * A floating IP the project holds already (allocated beforehand and reserved, e.g. in DNS):
   * associated with the server's port, and on destroy disassociated but kept. (Choosing the
   * address of a new floating IP is an admin right in OpenStack's default policy.)
   * @default - a new floating IP, any free address
   */
  readonly floatingIpAddress?: string;
  /** Volumes attached to the server. @default - none */
  readonly volumes?: OpenStackServerVolume[];
  /** User data (cloud-init) as text. @default - none */
  readonly userData?: string | Ref;
  /** Server metadata. @default - none (hybrid adds its identity keys) */
  readonly metadata?: { [key: string]: string };
  /**
   * The server group whose policy places the server (affinity or anti-affinity): an
   * OpenStackServerGroup, or the id of one made elsewhere. @default - none
   */
  readonly serverGroup?: OpenStackServerGroup | string;
  /** The availability zone. @default - Nova's default */
  readonly availabilityZone?: string;
  /** The server name. @default - derived from the stack and the node */
  readonly name?: string;
}

/**
 * A Nova server on a network: its own port (with the security groups), the server itself
 * (deploy waits for ACTIVE, or fails with Nova's fault message), an optional floating IP and
 * optional volumes. `nodes` lists them all, so that a ScalingGroup can scale the server as one unit.
 */
export class OpenStackServer extends Construct {
  /** True for any OpenStackServer, even one made by another copy of this library. */
  public static isOpenStackServer(x: any): x is OpenStackServer {
    return typeof x === 'object' && x !== null && x[SERVER_BRAND] === true;
  }

  /** The server's port. */
  public readonly portNode: NodeTemplate;
  /** The server. */
  public readonly serverNode: NodeTemplate;
  /** The floating IP, when asked for. */
  public readonly floatingIpNode?: NodeTemplate;
  /** Volumes this server created for itself (not those passed in). */
  public readonly volumeNodes: OpenStackVolume[] = [];
  /** One attachment per volume. */
  public readonly volumeAttachmentNodes: NodeTemplate[] = [];
  /** The cloud and region of everything the server makes. */
  private readonly connection: OpenStackConnectionProps;

  constructor(scope: Construct, id: string, props: OpenStackServerProps) {
    super(scope, id);
    Object.defineProperty(this, SERVER_BRAND, { value: true });
    if (!props || typeof props !== 'object') throw fail(this, 'props with network, image and flavor are required');
    if (!OpenStackNetwork.isNetwork(props.network)) {
      throw fail(this, `network must be an OpenStackNetwork or OpenStackNetwork.fromName/fromId(...), got ${describeValue(props.network)}`);
    }
    checkString(this, 'image', props.image, { nonEmpty: true });
    checkString(this, 'flavor', props.flavor, { nonEmpty: true });
    checkIp(this, 'fixedIp', props.fixedIp);
    if (props.keyPair !== undefined && !OpenStackKeyPair.isOpenStackKeyPair(props.keyPair)) throw fail(this, `keyPair must be an OpenStackKeyPair, got ${describeValue(props.keyPair)}`);
    for (const [index, group] of (props.securityGroups ?? []).entries()) {
      if (!OpenStackSecurityGroup.isOpenStackSecurityGroup(group)) throw fail(this, `securityGroups[${index}] must be an OpenStackSecurityGroup, got ${describeValue(group)}`);
    }
    const floatingNetwork = props.floatingNetwork ?? props.network.externalNetwork;
    if (props.floatingIp && !floatingNetwork) {
      throw fail(this, 'floatingIp needs an external network: the network has none, so give floatingNetwork');
    }
    checkIp(this, 'floatingIpAddress', props.floatingIpAddress);
    if (props.floatingIpAddress !== undefined && !props.floatingIp) throw fail(this, 'floatingIpAddress needs floatingIp: true');
    checkString(this, 'userData', props.userData, { optional: true });
    checkStringMap(this, 'metadata', props.metadata, { keys: METADATA_KEYS });
    if (!OpenStackServerGroup.isOpenStackServerGroup(props.serverGroup)) checkString(this, 'serverGroup', props.serverGroup, { optional: true, nonEmpty: true });
    for (const name of ['availabilityZone', 'name', 'floatingNetwork'] as const) checkString(this, name, props[name], { optional: true, nonEmpty: true });
    const connection = connectionOn(props, props.network);
    this.connection = connection;

    this.portNode = new NodeTemplate(this, 'Port', { type: 'hybrid.nodes.openstack.Port' });
    applyConnection(this.portNode, connection);
    this.portNode.setProperty('network_id', props.network.networkId);
    this.portNode.setProperty('fixed_ips', [{ subnet_id: props.network.subnetId, ...(props.fixedIp ? { ip_address: props.fixedIp } : {}) }]);
    const groups = props.securityGroups ?? (props.network.defaultSecurityGroup ? [props.network.defaultSecurityGroup] : []);
    if (groups.length) this.portNode.setProperty('security_groups', groups.map((group) => group.groupId));

    this.serverNode = new NodeTemplate(this, 'Server', { type: 'hybrid.nodes.openstack.Server' });
    applyConnection(this.serverNode, connection);
    this.serverNode.setProperty('image', props.image);
    this.serverNode.setProperty('flavor', props.flavor);
    this.serverNode.setProperty('networks', [{ port_id: this.portNode.attr('id') }]);
    if (props.keyPair) this.serverNode.setProperty('key_name', props.keyPair.keyName);
    const optional: Array<[string, unknown]> = [
      ['user_data', props.userData], ['metadata', props.metadata], ['server_group', OpenStackServerGroup.isOpenStackServerGroup(props.serverGroup) ? props.serverGroup.groupId : props.serverGroup], ['availability_zone', props.availabilityZone], ['name', props.name],
    ];
    for (const [name, value] of optional) if (value !== undefined) this.serverNode.setProperty(name, value);

    if (props.floatingIp) {
      const floatingIp = new NodeTemplate(this, 'FloatingIp', { type: 'hybrid.nodes.openstack.FloatingIP' });
      applyConnection(floatingIp, connection);
      floatingIp.setProperty('floating_network', floatingNetwork);
      floatingIp.setProperty('port_id', this.portNode.attr('id'));
      if (props.floatingIpAddress !== undefined) asLookup(floatingIp, props.floatingIpAddress);
      // Neutron refuses a floating IP for a port whose subnet has no router to the external network yet.
      if (props.network.routingNode) floatingIp.dependsOn(props.network.routingNode);
      this.floatingIpNode = floatingIp;
    }

    (props.volumes ?? []).forEach((entry, index) => this.attachVolume(entry, index));
  }

  /** Attaches a volume (an existing OpenStackVolume, or a new one of `sizeGb`). */
  public attachVolume(entry: OpenStackServerVolume, index = this.volumeAttachmentNodes.length): NodeTemplate {
    if (!entry || typeof entry !== 'object') throw fail(this, `volumes[${index}] must be { volume } or { sizeGb }, got ${describeValue(entry)}`);
    if (entry.volume !== undefined && !OpenStackVolume.isOpenStackVolume(entry.volume)) throw fail(this, `volumes[${index}].volume must be an OpenStackVolume, got ${describeValue(entry.volume)}`);
    if (entry.volume === undefined && (!Number.isInteger(entry.sizeGb) || (entry.sizeGb as number) < 1)) {
      throw fail(this, `volumes[${index}] needs a volume or a sizeGb >= 1, got ${describeValue(entry.sizeGb)}`);
    }
    if (entry.device !== undefined && !/^\/dev\/[a-z]+$/.test(entry.device)) throw fail(this, `volumes[${index}].device must look like /dev/vdb, got ${describeValue(entry.device)}`);
    const connection = this.connection;
    let volume = entry.volume;
    if (!volume) {
      volume = new OpenStackVolume(this, `Volume${index}`, { sizeGb: entry.sizeGb as number, ...connection });
      this.volumeNodes.push(volume);
    }
    const attachment = new NodeTemplate(this, `VolumeAttachment${index}`, { type: 'hybrid.nodes.openstack.VolumeAttachment' });
    applyConnection(attachment, connection);
    attachment.setProperty('server_id', this.serverNode.attr('id'));
    attachment.setProperty('volume_id', volume.volumeId);
    if (entry.device) attachment.setProperty('device', entry.device);
    this.volumeAttachmentNodes.push(attachment);
    return attachment;
  }

  /** Every node of this server (port, server, floating IP, own volumes, attachments): one scaling unit. */
  public get nodes(): NodeTemplate[] {
    return [this.portNode, this.serverNode, ...(this.floatingIpNode ? [this.floatingIpNode] : []), ...this.volumeNodes, ...this.volumeAttachmentNodes];
  }

  /** The server's id. */
  public get serverId(): Ref {
    return this.serverNode.attr('id');
  }

  /** The server's address on its network (known once its port exists). */
  public get privateIp(): Ref {
    return this.portNode.attr('ip');
  }

  /** The floating IP address; throws when the server has none. */
  public get publicIp(): Ref {
    if (!this.floatingIpNode) throw fail(this, 'publicIp needs floatingIp: true');
    return this.floatingIpNode.attr('floating_ip_address');
  }

  /** The address to reach the server at: the floating IP when it has one, else the private address. */
  public get address(): Ref {
    return this.floatingIpNode ? this.floatingIpNode.attr('floating_ip_address') : this.portNode.attr('ip');
  }
}
