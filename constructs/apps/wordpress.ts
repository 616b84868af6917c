import { Construct } from 'constructs';
import { ErrorCode } from '../../lib/core/errors';
import { SourceLocation, constructError } from '../../lib/core/location';
import { Fn, Ref, describeValue } from '../../lib/core/refs';
import { K8sEnvVar, K8sResourceRequirements } from '../kubernetes/api.generated';
import { K8sCluster } from '../kubernetes/cluster';
import { K8sSecret } from '../kubernetes/config';
import { K8sNamespace } from '../kubernetes/object';
import { K8sExternalService, K8sService, K8sServiceType } from '../kubernetes/service';
import { K8sAccessMode, K8sPersistentVolumeClaim } from '../kubernetes/storage';
import { K8sDeployment } from '../kubernetes/workloads';

const WORDPRESS_APP_BRAND = Symbol.for('hybrid.WordpressApp');
const DATABASE_NAME = 'wordpress';
const DATABASE_USER = 'wordpress';

/** A database outside the cluster (on a VM or host) that WordPress uses instead of its own MySQL. */
export interface WordpressExternalDatabase {
  /**
   * Its address: an IPv4 address (a literal, or a Ref such as a VM's `ip` attribute) or a DNS
   * name. Pods reach it by a stable in-cluster name (a selectorless Service and Endpoints).
   */
  readonly address: string | Ref;
  /** Its MySQL port. @default 3306 */
  readonly port?: number;
  /** The database WordPress uses. @default 'wordpress' */
  readonly databaseName?: string;
  /** The MySQL user. @default 'wordpress' */
  readonly user?: string;
  /** The user's password: a hybrid Secret (`Secret.fromName('...')`). */
  readonly password: Ref;
}

/** Props of a WordpressApp. */
export interface WordpressAppProps {
  /** The cluster. @default - the deploying machine's kubeconfig */
  readonly cluster?: K8sCluster;
  /** The namespace of every object. @default - the kubeconfig context's namespace */
  readonly namespace?: string | K8sNamespace;
  /** The name of the objects (`<name>`, `<name>-mysql`, `<name>-db-credentials`). @default 'wordpress' */
  readonly name?: string;
  /** WordPress pods. More than one needs ReadWriteMany storage (wordpressAccessMode). @default 1 */
  readonly replicas?: number | Ref;
  /** How WordPress is exposed. @default K8sServiceType.LOAD_BALANCER */
  readonly serviceType?: K8sServiceType;
  /** The port of WordPress's Service. @default 80 */
  readonly port?: number;
  /** The node port, for NODE_PORT and LOAD_BALANCER. @default - one is allocated */
  readonly nodePort?: number;
  /** The WordPress image. @default 'wordpress:6.4-apache' */
  readonly wordpressImage?: string;
  /** The MySQL image. @default 'mysql:8.0' */
  readonly mysqlImage?: string;
  /** WordPress's volume (themes, plugins, uploads). @default '10Gi' */
  readonly wordpressStorage?: string;
  /** How WordPress's volume is mounted. @default K8sAccessMode.READ_WRITE_ONCE */
  readonly wordpressAccessMode?: K8sAccessMode;
  /** MySQL's volume. @default '20Gi' */
  readonly mysqlStorage?: string;
  /** The storage class of both volumes. @default - the cluster's default class */
  readonly storageClassName?: string;
  /** WordPress containers' requests and limits. @default - none */
  readonly wordpressResources?: K8sResourceRequirements;
  /** The MySQL container's requests and limits. @default - none */
  readonly mysqlResources?: K8sResourceRequirements;
  /**
   * The database user's password, as a hybrid Secret. It goes into a Kubernetes Secret and is
   * never written in plain text.
   * @default - generated in the cluster on the first deploy and kept there
   */
  readonly databasePassword?: Ref;
  /** Use this database instead of running MySQL in the cluster. @default - MySQL runs in the cluster */
  readonly externalDatabase?: WordpressExternalDatabase;
  /** Seconds each part may take to become ready (image pulls, MySQL's first start). @default 480 */
  readonly readyTimeout?: number;
}

/**
 * WordPress and MySQL on Kubernetes (the layout of the Kubernetes WordPress tutorial and of
 * Cloudify's WordPress example): MySQL with a volume, its credentials in a Secret, WordPress with
 * a volume behind a Service. The database may instead live outside the cluster, on a VM or host.
 * `url` is where WordPress answers.
 */
export class WordpressApp extends Construct {
  /** True for any WordpressApp, even one made by another copy of this library. */
  public static isWordpressApp(x: any): x is WordpressApp {
    return typeof x === 'object' && x !== null && x[WORDPRESS_APP_BRAND] === true;
  }

  /** The Secret with the database credentials. */
  public readonly credentials: K8sSecret;
  /** The WordPress Deployment. */
  public readonly wordpress: K8sDeployment;
  /** The Service in front of WordPress. */
  public readonly service: K8sService;
  /** The MySQL Deployment, when MySQL runs in the cluster. */
  public readonly mysql?: K8sDeployment;
  /** The Service WordPress reaches the database by. */
  public readonly databaseService: K8sService;
  /** Where WordPress answers: `http://<load balancer>/`, `http://<node>:<node port>/`, or the in-cluster name. */
  public readonly url: string | Ref;

  constructor(scope: Construct, id: string, props: WordpressAppProps = {}) {
    super(scope, id);
    Object.defineProperty(this, WORDPRESS_APP_BRAND, { value: true });
    const location = SourceLocation.capture();
    const fail = (message: string) => constructError(ErrorCode.InvalidProps, this, message, location);
    const name = props.name ?? 'wordpress';
    if (typeof name !== 'string' || !/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/.test(name)) {
      throw fail(`name must be lowercase letters, digits and '-', starting with a letter, at most 42 (objects add suffixes), got ${describeValue(name)}`);
    }
    const serviceType = props.serviceType ?? K8sServiceType.LOAD_BALANCER;
    if (![K8sServiceType.LOAD_BALANCER, K8sServiceType.NODE_PORT, K8sServiceType.CLUSTER_IP].includes(serviceType)) {
      throw fail(`serviceType must be LOAD_BALANCER, NODE_PORT or CLUSTER_IP, got ${describeValue(props.serviceType)}`);
    }
    const external = props.externalDatabase;
    if (external !== undefined && props.databasePassword !== undefined) {
      throw fail('give the external database\'s password as externalDatabase.password, not databasePassword');
    }
    if (external !== undefined && !Ref.isRef(external.password)) {
      throw fail(`externalDatabase.password must be a hybrid Secret (Secret.fromName('...')), got ${typeof external.password === 'string' ? 'a literal string, which would be written into the blueprint in plain text' : describeValue(external.password)}`);
    }
    const common = { cluster: props.cluster, namespace: props.namespace, readyTimeout: props.readyTimeout ?? 480 };
    const port = props.port ?? 80;

    this.credentials = new K8sSecret(this, 'Credentials', {
      ...common,
      name: `${name}-db-credentials`,
      ...(external?.password ?? props.databasePassword ? { data: { password: (external?.password ?? props.databasePassword)! } } : {}),
      generate: [...(external || props.databasePassword ? [] : ['password']), ...(external ? [] : ['root-password'])],
    });
    const databaseName = external?.databaseName ?? DATABASE_NAME;
    const user = external?.user ?? DATABASE_USER;
    const databasePort = external?.port ?? 3306;

    if (external) {
      const database = new K8sExternalService(this, 'Database', { ...common, name: `${name}-mysql`, address: external.address, port: databasePort });
      this.databaseService = database.service;
    } else {
      const mysqlData = new K8sPersistentVolumeClaim(this, 'MysqlData', { ...common, name: `${name}-mysql`, storage: props.mysqlStorage ?? '20Gi', storageClassName: props.storageClassName });
      this.mysql = new K8sDeployment(this, 'Mysql', {
        ...common,
        name: `${name}-mysql`,
        strategy: { type: 'Recreate' },
        containers: [{
          name: 'mysql',
          image: props.mysqlImage ?? 'mysql:8.0',
          env: [
            { name: 'MYSQL_ROOT_PASSWORD', valueFrom: this.credentials.envValue('root-password') },
            { name: 'MYSQL_DATABASE', value: databaseName },
            { name: 'MYSQL_USER', value: user },
            { name: 'MYSQL_PASSWORD', valueFrom: this.credentials.envValue('password') },
          ],
          ports: [{ name: 'mysql', containerPort: 3306 }],
          ...(props.mysqlResources ? { resources: props.mysqlResources } : {}),
        }],
      });
      this.mysql.mountVolume(mysqlData.volume('data'), '/var/lib/mysql');
      this.databaseService = this.mysql.expose('Service', { clusterIP: 'None', ports: [{ name: 'mysql', port: 3306 }] });
    }

    const wordpressData = new K8sPersistentVolumeClaim(this, 'Data', {
      ...common,
      name,
      storage: props.wordpressStorage ?? '10Gi',
      storageClassName: props.storageClassName,
      accessModes: [props.wordpressAccessMode ?? K8sAccessMode.READ_WRITE_ONCE],
    });
    const env: K8sEnvVar[] = [
      { name: 'WORDPRESS_DB_HOST', value: `${this.databaseService.objectName}:${databasePort}` },
      { name: 'WORDPRESS_DB_USER', value: user },
      { name: 'WORDPRESS_DB_PASSWORD', valueFrom: this.credentials.envValue('password') },
      { name: 'WORDPRESS_DB_NAME', value: databaseName },
    ];
    this.wordpress = new K8sDeployment(this, 'Wordpress', {
      ...common,
      name,
      replicas: props.replicas,
      containers: [{
        name: 'wordpress',
        image: props.wordpressImage ?? 'wordpress:6.4-apache',
        env,
        ports: [{ name: 'http', containerPort: 80 }],
        ...(props.wordpressResources ? { resources: props.wordpressResources } : {}),
      }],
    });
    this.wordpress.mountVolume(wordpressData.volume('data'), '/var/www/html');
    // WordPress starts only once MySQL answers; without this it would crash-loop until it does.
    if (this.mysql) this.wordpress.dependsOn(this.mysql);
    this.service = this.wordpress.expose('Service', {
      type: serviceType,
      ports: [{ name: 'http', port, targetPort: 80, ...(props.nodePort !== undefined ? { nodePort: props.nodePort } : {}) }],
      ...(serviceType === K8sServiceType.LOAD_BALANCER ? { waitForLoadBalancer: true } : {}),
      readyTimeout: common.readyTimeout,
    });
    const portSuffix = port === 80 ? '' : `:${port}`;
    this.url =
      serviceType === K8sServiceType.LOAD_BALANCER ? Fn.concat('http://', this.service.loadBalancerAddress, `${portSuffix}/`)
        : serviceType === K8sServiceType.NODE_PORT ? Fn.concat('http://', this.service.nodeAddress, ':', this.service.nodePort('http'), '/')
          : Ref.isRef(this.service.dnsName) ? Fn.concat('http://', this.service.dnsName, `${portSuffix}/`) : `http://${this.service.dnsName}${portSuffix}/`;
  }
}
