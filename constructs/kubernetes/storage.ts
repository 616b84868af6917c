import { Construct } from 'constructs';
import { invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { K8sVolume } from './api.generated';
import { K8sNamespacedOptions, K8sObject } from './object';
import { checkQuantity } from './validate';

const K8S_PVC_BRAND = Symbol.for('hybrid.K8sPersistentVolumeClaim');

/** How a volume may be mounted. */
export enum K8sAccessMode {
  /** One node mounts it read-write. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Many nodes mount it read-only. */
  READ_ONLY_MANY = 'ReadOnlyMany',
  /** Many nodes mount it read-write. */
  READ_WRITE_MANY = 'ReadWriteMany',
}

/** What a claim asks for; shared by claims and a StatefulSet's claim templates. */
export interface K8sStorageRequest {
  /** The size, e.g. `10Gi`. */
  readonly storage: string | Ref;
  /** How the volume is mounted. @default [K8sAccessMode.READ_WRITE_ONCE] */
  readonly accessModes?: K8sAccessMode[];
  /** The storage class. @default - the cluster's default storage class */
  readonly storageClassName?: string;
}

/** Props of a K8sPersistentVolumeClaim. */
export interface K8sPersistentVolumeClaimProps extends K8sNamespacedOptions, K8sStorageRequest {}

/** The claim spec of a storage request, checked against the construct that makes it. */
export function claimSpec(node: K8sObject, what: string, request: K8sStorageRequest): { [key: string]: any } {
  checkQuantity(node, `${what}storage`, request.storage);
  const modes = request.accessModes ?? [K8sAccessMode.READ_WRITE_ONCE];
  if (!Array.isArray(modes) || modes.length === 0 || modes.some((mode) => !Object.values(K8sAccessMode).includes(mode))) {
    throw invalidProps(node, `${what}accessModes must be a non-empty list of K8sAccessMode values, got ${describeValue(request.accessModes)}`);
  }
  if (request.storageClassName !== undefined && (typeof request.storageClassName !== 'string' || request.storageClassName === '')) {
    throw invalidProps(node, `${what}storageClassName must be a storage class name, got ${describeValue(request.storageClassName)}`);
  }
  return {
    accessModes: [...modes],
    resources: { requests: { storage: request.storage } },
    ...(request.storageClassName !== undefined ? { storageClassName: request.storageClassName } : {}),
  };
}

/**
 * A PersistentVolumeClaim: storage that outlives pods. It is ready once bound to a volume; pods
 * that mount it (with `volume()`) deploy after it.
 */
export class K8sPersistentVolumeClaim extends K8sObject {
  /** True for any K8sPersistentVolumeClaim, even one made by another copy of this library. */
  public static isK8sPersistentVolumeClaim(x: any): x is K8sPersistentVolumeClaim {
    return typeof x === 'object' && x !== null && x[K8S_PVC_BRAND] === true;
  }

  private readonly spec: { [key: string]: any };

  constructor(scope: Construct, id: string, props: K8sPersistentVolumeClaimProps) {
    super(scope, id, { ...props, definition: { apiVersion: 'v1', kind: 'PersistentVolumeClaim' } });
    Object.defineProperty(this, K8S_PVC_BRAND, { value: true });
    this.spec = claimSpec(this, '', props);
  }

  /** A pod volume backed by this claim. */
  public volume(volumeName?: string): K8sVolume {
    return { name: volumeName ?? this.objectName, persistentVolumeClaim: { claimName: this.objectName } };
  }

  protected override renderBody(): { [key: string]: any } {
    return { spec: this.spec };
  }
}
