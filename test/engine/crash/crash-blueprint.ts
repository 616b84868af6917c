import type { BlueprintDocument } from '../../../synth/blueprint';
import { recordingBlueprint } from '../support/fixtures';

const RESOURCE = 'test.nodes.Resource';
const CONTAINED_IN = 'cloudify.relationships.contained_in';
const CONNECTED_TO = 'cloudify.relationships.connected_to';
const USES = 'test.relationships.uses';
/** For resources with nothing to configure or start: create and delete only. */
const CREATE_DELETE_ONLY = { 'cloudify.interfaces.lifecycle': { configure: '', start: '', stop: '' } };
const instances = (count: number) => ({ scalable: { properties: { default_instances: count } } });

/**
 * The crash harness's stack: 30 instances on the recording provider with hosts, a scaling group,
 * relationships with and without operations, get_attribute across nodes and all_to_all fan-in.
 * Most resources only have create and delete, which keeps the number of provider calls (and so of
 * kill points, each a process) near 50 per deploy; six have the whole lifecycle.
 */
export function crashBlueprint(): BlueprintDocument {
  const lean = (template: object) => ({ type: RESOURCE, interfaces: CREATE_DELETE_ONLY, ...template });
  return recordingBlueprint(
    {
      network: { type: RESOURCE, properties: { value: 'net' } },
      vm: { type: RESOURCE, capabilities: instances(3), relationships: [{ type: CONNECTED_TO, target: 'network' }] },
      disk: lean({ relationships: [{ type: CONTAINED_IN, target: 'vm' }] }),
      agent: lean({ relationships: [{ type: CONTAINED_IN, target: 'vm' }] }),
      database: { type: RESOURCE, properties: { value: 'db' }, relationships: [{ type: USES, target: 'network' }] },
      web: lean({
        properties: { value: { get_attribute: ['database', 'identity'] } },
        relationships: [{ type: CONTAINED_IN, target: 'vm' }, { type: CONNECTED_TO, target: 'database' }],
      }),
      balancer: { type: RESOURCE, relationships: [{ type: USES, target: 'web' }] },
      dns: lean({ relationships: [{ type: CONNECTED_TO, target: 'balancer' }] }),
      port: lean({ relationships: [{ type: CONNECTED_TO, target: 'network' }] }),
      worker: lean({ properties: { value: { get_attribute: ['port', 'identity'] } }, relationships: [{ type: USES, target: 'port' }] }),
      cache: lean({ capabilities: instances(2), relationships: [{ type: CONNECTED_TO, target: 'database' }] }),
      monitor: lean({ capabilities: instances(6), relationships: [{ type: CONNECTED_TO, target: 'network' }] }),
    },
    {
      groups: { cell: { members: ['port', 'worker'] } },
      policies: { cell_scaling: { type: 'cloudify.policies.scaling', targets: ['cell'], properties: { default_instances: 3 } } },
    },
  );
}
