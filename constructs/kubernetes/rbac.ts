import { Construct } from 'constructs';
import { invalidProps } from '../../lib/core/node-template';
import { describeValue } from '../../lib/core/refs';
import { K8sPolicyRule, K8sSubject } from './api.generated';
import { K8sNamespacedOptions, K8sObject } from './object';
import { checkLabelName } from './validate';

const RBAC = 'rbac.authorization.k8s.io';

/** Props of a K8sServiceAccount. */
export interface K8sServiceAccountProps extends K8sNamespacedOptions {
  /** Mount the account's API token into its pods. @default true */
  readonly automountServiceAccountToken?: boolean;
  /** Names of Secrets its pods pull images with. @default - none */
  readonly imagePullSecrets?: string[];
}

/** A ServiceAccount: an identity for pods (`serviceAccountName: account.objectName`), granted rights by role bindings. */
export class K8sServiceAccount extends K8sObject {
  private readonly body: { [key: string]: any } = {};

  constructor(scope: Construct, id: string, props: K8sServiceAccountProps = {}) {
    super(scope, id, { ...props, definition: { apiVersion: 'v1', kind: 'ServiceAccount' } });
    if (props.automountServiceAccountToken !== undefined) this.body.automountServiceAccountToken = props.automountServiceAccountToken;
    if (props.imagePullSecrets !== undefined) this.body.imagePullSecrets = props.imagePullSecrets.map((name) => ({ name }));
  }

  /** This account as a role binding subject. */
  public get subject(): K8sSubject {
    return { kind: 'ServiceAccount', name: this.objectName, namespace: this.namespaceName ?? this.namespaceAttribute };
  }

  protected override renderBody(): { [key: string]: any } {
    return { ...this.body };
  }
}

/** Props of a K8sRole. */
export interface K8sRoleProps extends K8sNamespacedOptions {
  /** What the role allows (`{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }`). */
  readonly rules: K8sPolicyRule[];
}

/** A Role: permissions within one namespace. */
export class K8sRole extends K8sObject {
  private readonly rules: K8sPolicyRule[];

  constructor(scope: Construct, id: string, props: K8sRoleProps) {
    super(scope, id, { ...props, definition: { apiVersion: `${RBAC}/v1`, kind: 'Role' } });
    if (!Array.isArray(props.rules)) throw invalidProps(this, `rules must be a list of policy rules, got ${describeValue(props.rules)}`);
    props.rules.forEach((rule, index) => {
      if (!Array.isArray(rule?.verbs) || rule.verbs.length === 0) throw invalidProps(this, `rules[${index}] needs verbs (e.g. ['get', 'list'])`);
    });
    this.rules = [...props.rules];
  }

  protected override renderBody(): { [key: string]: any } {
    return { rules: this.rules.map((rule) => ({ ...rule })) };
  }
}

/** Props of a K8sRoleBinding. Give exactly one of role and clusterRole. */
export interface K8sRoleBindingProps extends K8sNamespacedOptions {
  /** The Role granted. @default - none */
  readonly role?: K8sRole;
  /** The name of a ClusterRole granted within the namespace (e.g. `view`). @default - none */
  readonly clusterRole?: string;
  /** Who is granted it: service accounts of this program. @default - none */
  readonly serviceAccounts?: K8sServiceAccount[];
  /** Who else (users, groups, other service accounts). @default - none */
  readonly subjects?: K8sSubject[];
}

/** A RoleBinding: grants a Role (or a ClusterRole, within the namespace) to service accounts, users or groups. */
export class K8sRoleBinding extends K8sObject {
  private readonly roleRef: { [key: string]: string };
  private readonly subjects: K8sSubject[];

  constructor(scope: Construct, id: string, props: K8sRoleBindingProps) {
    super(scope, id, { ...props, definition: { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding' } });
    if ((props.role === undefined) === (props.clusterRole === undefined)) throw invalidProps(this, 'give exactly one of role (a K8sRole) and clusterRole (a ClusterRole name)');
    if (props.role !== undefined) {
      if (!K8sObject.isK8sObject(props.role) || props.role.kind !== 'Role') throw invalidProps(this, `role must be a K8sRole, got ${describeValue(props.role)}`);
      if ((props.role.namespaceName ?? 'default') !== (this.namespaceName ?? 'default')) throw invalidProps(this, `role ${props.role.node.path} is in another namespace; a RoleBinding grants a Role of its own namespace`);
      this.roleRef = { apiGroup: RBAC, kind: 'Role', name: props.role.objectName };
    } else {
      checkLabelName(this, 'clusterRole', props.clusterRole);
      this.roleRef = { apiGroup: RBAC, kind: 'ClusterRole', name: props.clusterRole! };
    }
    this.subjects = [...(props.serviceAccounts ?? []).map((account) => account.subject), ...(props.subjects ?? [])];
    if (this.subjects.length === 0) throw invalidProps(this, 'a RoleBinding needs at least one subject (serviceAccounts or subjects)');
  }

  protected override renderBody(): { [key: string]: any } {
    return { roleRef: { ...this.roleRef }, subjects: this.subjects.map((subject) => ({ ...subject })) };
  }
}
