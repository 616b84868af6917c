import { Construct } from 'constructs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Ref } from '../../lib/core/refs';
import { checkString, checkStringMap, checkWhole } from '../../lib/core/validate';
import { OpenStackConnectionProps, applyConnection } from './connection';
import { METADATA_KEYS, fail } from './validate';

const VOLUME_BRAND = Symbol.for('hybrid.OpenStackVolume');

/** Props of an OpenStackVolume. */
export interface OpenStackVolumeProps extends OpenStackConnectionProps {
  /** Size in GiB; raising it later extends the volume in place (Cinder cannot shrink one). */
  readonly sizeGb: number;
  /** The volume name. @default - derived from the stack and the node */
  readonly name?: string;
  /** The volume type. @default - the cloud's default type */
  readonly volumeType?: string;
  /** The availability zone. @default - Cinder's default */
  readonly availabilityZone?: string;
  /** An image (name or id) to create the volume from. @default - an empty volume */
  readonly image?: string;
  /** A description. @default - none */
  readonly description?: string;
  /** Volume metadata. @default - none (hybrid adds its identity keys) */
  readonly metadata?: { [key: string]: string };
}

/** A Cinder volume. Attach it to a server with `OpenStackServer`'s `volumes`. */
export class OpenStackVolume extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.openstack.Volume';

  /** True for any OpenStackVolume, even one made by another copy of this library. */
  public static isOpenStackVolume(x: any): x is OpenStackVolume {
    return typeof x === 'object' && x !== null && x[VOLUME_BRAND] === true;
  }

  constructor(scope: Construct, id: string, props: OpenStackVolumeProps) {
    super(scope, id, { type: OpenStackVolume.NODE_TYPE });
    Object.defineProperty(this, VOLUME_BRAND, { value: true });
    if (!props || typeof props !== 'object') throw fail(this, 'props with sizeGb are required');
    applyConnection(this, props);
    checkWhole(this, 'sizeGb', props.sizeGb, 1, undefined, { refs: false, unit: 'GiB', required: true });
    for (const name of ['name', 'volumeType', 'availabilityZone', 'image', 'description'] as const) checkString(this, name, props[name], { optional: true });
    checkStringMap(this, 'metadata', props.metadata, { keys: METADATA_KEYS });
    this.setProperty('size', props.sizeGb);
    const properties: Array<[string, unknown]> = [
      ['name', props.name], ['volume_type', props.volumeType], ['availability_zone', props.availabilityZone], ['image', props.image],
      ['description', props.description], ['metadata', props.metadata],
    ];
    for (const [name, value] of properties) if (value !== undefined) this.setProperty(name, value);
  }

  /** The volume's id, known once it exists. */
  public get volumeId(): Ref {
    return this.attr('id');
  }
}
