import { driftMessages, managersOf } from '../../../lib/providers/kubernetes/drift';

const base = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', resourceVersion: '10', generation: 1, managedFields: [] as any[] },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } } },
  status: { availableReplicas: 2 },
});

test('an object the dry run would not change has no drift', () => {
  expect(driftMessages(base(), base(), { hideValues: false })).toEqual([]);
});

test('resource versions, generations and status do not count as drift', () => {
  const live = { ...base(), metadata: { ...base().metadata, resourceVersion: '11', generation: 2 }, status: { availableReplicas: 1 } };
  expect(driftMessages(base(), live, { hideValues: false })).toEqual([]);
});

test('a changed value inside a list is named by the element\'s name', () => {
  const live = base();
  live.spec.template.spec.containers[0].image = 'nginx:1.26';
  expect(driftMessages(base(), live, { hideValues: false })).toEqual(['spec.template.spec.containers[app].image is "nginx:1.26" in the cluster, "nginx:1.25" in the blueprint']);
});

test('values are hidden when asked', () => {
  const live = base();
  live.spec.replicas = 5;
  expect(driftMessages(base(), live, { hideValues: true })).toEqual(['spec.replicas differs from the blueprint']);
});

test('a field removed from the cluster object is reported as removed', () => {
  const live: any = base();
  delete live.spec.replicas;
  expect(driftMessages(base(), live, { hideValues: false })).toEqual(['spec.replicas was removed from the cluster object']);
});

test('the managers owning a field are read from managedFields', () => {
  const managedFields = [
    { manager: 'hybrid', fieldsV1: { 'f:spec': { 'f:template': {} } } },
    { manager: 'kubectl-scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ];
  expect(managersOf(managedFields, ['spec', 'replicas'])).toEqual(['kubectl-scale']);
});

test('a list element is matched to its managedFields key by name', () => {
  const managedFields = [{ manager: 'kubectl-set', fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } }];
  expect(managersOf(managedFields, ['spec', 'containers', { name: 'app', index: 0 }, 'image'])).toEqual(['kubectl-set']);
});
