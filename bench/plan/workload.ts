import type { BlueprintDocument } from '../../synth/blueprint';
import { recordingBlueprint } from '../../test/engine/support/fixtures';

const RESOURCE = 'test.nodes.Resource';

/**
 * The benchmark stack: `units` scaling-group units of a vm and a port, each vm hosting a disk, an
 * agent and an app; the app uses the port of its unit and reads its identity with get_attribute.
 * Two shared nodes (network, database) are connected to from every unit. 5 × units + 2 instances.
 */
export function benchBlueprint(units: number): BlueprintDocument {
  return recordingBlueprint(
    {
      network: { type: RESOURCE, properties: { value: 'net' } },
      database: { type: RESOURCE, properties: { value: 'db', size: 3 }, relationships: [{ type: 'cloudify.relationships.connected_to', target: 'network' }] },
      vm: { type: RESOURCE, properties: { value: { concat: ['vm-', { get_input: 'flavor' }] } } },
      port: { type: RESOURCE, properties: { value: 'port' }, relationships: [{ type: 'cloudify.relationships.connected_to', target: 'network' }] },
      disk: { type: RESOURCE, properties: { size: { get_input: 'disk_size' } }, relationships: [{ type: 'cloudify.relationships.contained_in', target: 'vm' }] },
      agent: { type: RESOURCE, relationships: [{ type: 'cloudify.relationships.contained_in', target: 'vm' }] },
      app: {
        type: RESOURCE,
        properties: { value: { get_attribute: ['port', 'identity'] }, fixed: { get_property: ['database', 'value'] } },
        relationships: [
          { type: 'cloudify.relationships.contained_in', target: 'vm' },
          { type: 'cloudify.relationships.connected_to', target: 'port' },
          { type: 'cloudify.relationships.connected_to', target: 'database' },
        ],
      },
    },
    {
      inputs: { flavor: { type: 'string', default: 'small' }, disk_size: { type: 'integer', default: 20 } },
      groups: { cell: { members: ['vm', 'port'] } },
      policies: { cell_scaling: { type: 'cloudify.policies.scaling', targets: ['cell'], properties: { default_instances: units } } },
    },
  );
}
