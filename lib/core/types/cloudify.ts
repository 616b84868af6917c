import { TypesDocument } from './schema';

const empty = {};
const lifecycle = {
  precreate: empty, create: empty, configure: empty, start: empty, poststart: empty,
  prestop: empty, stop: empty, delete: empty, postdelete: empty,
  preupdate: empty, update: empty, postupdate: empty, update_config: empty, update_apply: empty, update_postapply: empty,
  preheal: empty, heal: empty, postheal: empty, pull: empty, check_drift: empty,
};
const relationshipLifecycle = { preconfigure: empty, postconfigure: empty, establish: empty, unlink: empty, update: empty, check_drift: empty };

/**
 * The part of Cloudify's built-in `cloudify/types/types.yaml` (DSL 1.4) that hybrid blueprints
 * derive from. The engine uses it when a blueprint imports `cloudify/types/types.yaml`, so a
 * blueprint runs without network access; hybrid never writes this file out.
 */
export const CLOUDIFY_TYPES: TypesDocument = {
  node_types: {
    'cloudify.nodes.Root': {
      properties: {
        use_external_resource: { type: 'boolean', default: false },
        resource_id: { required: false },
      },
      interfaces: {
        'cloudify.interfaces.lifecycle': lifecycle,
        'cloudify.interfaces.validation': { create: empty, delete: empty, check_status: empty },
        'cloudify.interfaces.monitoring': { start: empty, stop: empty },
      },
    },
    'cloudify.nodes.Compute': {
      derived_from: 'cloudify.nodes.Root',
      properties: {
        ip: { default: '' },
        os_family: { default: 'linux' },
        agent_config: { default: { install_method: 'none' } },
      },
    },
    'cloudify.nodes.Container': { derived_from: 'cloudify.nodes.Compute' },
    'cloudify.nodes.Tier': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.Volume': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.FileSystem': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.ObjectStorage': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.Network': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.Subnet': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.Port': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.Router': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.LoadBalancer': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.VirtualIP': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.SecurityGroup': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.SoftwareComponent': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.DBMS': { derived_from: 'cloudify.nodes.SoftwareComponent' },
    'cloudify.nodes.Database': { derived_from: 'cloudify.nodes.Root' },
    'cloudify.nodes.WebServer': { derived_from: 'cloudify.nodes.SoftwareComponent', properties: { port: { default: 80 } } },
    'cloudify.nodes.ApplicationServer': { derived_from: 'cloudify.nodes.SoftwareComponent' },
    'cloudify.nodes.MessageBusServer': { derived_from: 'cloudify.nodes.SoftwareComponent' },
    'cloudify.nodes.ApplicationModule': { derived_from: 'cloudify.nodes.Root' },
  },
  relationships: {
    'cloudify.relationships.depends_on': {
      properties: { connection_type: { default: 'all_to_all' } },
      source_interfaces: { 'cloudify.interfaces.relationship_lifecycle': relationshipLifecycle },
      target_interfaces: { 'cloudify.interfaces.relationship_lifecycle': relationshipLifecycle },
    },
    'cloudify.relationships.connected_to': { derived_from: 'cloudify.relationships.depends_on' },
    'cloudify.relationships.contained_in': { derived_from: 'cloudify.relationships.depends_on' },
    'cloudify.relationships.depends_on_lifecycle_operation': {
      derived_from: 'cloudify.relationships.depends_on',
      properties: { operation: { type: 'string', default: 'create' } },
    },
  },
};

export const CLOUDIFY_TYPES_IMPORT = 'cloudify/types/types.yaml';
