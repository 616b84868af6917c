import { CLOUDIFY_TYPES } from './cloudify';
import { KUBERNETES_TYPES } from './kubernetes';
import { LOCAL_TYPES } from './local';
import { OPENSTACK_TYPES } from './openstack';
import { SSH_TYPES } from './ssh';
import { WINDOWS_TYPES } from './windows';
import { TypeCatalogue, TypesDocument } from './schema';

export * from './schema';
export { CLOUDIFY_TYPES, CLOUDIFY_TYPES_IMPORT } from './cloudify';

/** The name of the types file hybrid writes next to every blueprint. */
export const HYBRID_TYPES_FILE = 'hybrid-types.yaml';
/** The plugin that owns every `hybrid.*` operation implementation. */
export const HYBRID_PLUGIN = 'hybrid';

/**
 * Types documents of every provider area, listed statically so the types file is the same for
 * every program. A new provider area adds its document here.
 */
const HYBRID_TYPE_DOCUMENTS: ReadonlyArray<TypesDocument> = [
  { plugins: { [HYBRID_PLUGIN]: { executor: 'central_deployment_agent', install: false } } },
  LOCAL_TYPES,
  KUBERNETES_TYPES,
  SSH_TYPES,
  OPENSTACK_TYPES,
  WINDOWS_TYPES,
];

/** Every hybrid type definition in one document: the content of the types file. */
export function hybridTypesDocument(): TypesDocument {
  const merged: { node_types: any; relationships: any; plugins: any } = { node_types: {}, relationships: {}, plugins: {} };
  for (const document of HYBRID_TYPE_DOCUMENTS) {
    Object.assign(merged.node_types, document.node_types ?? {});
    Object.assign(merged.relationships, document.relationships ?? {});
    Object.assign(merged.plugins, document.plugins ?? {});
  }
  return merged;
}

/** Cloudify's built-in types plus every hybrid type. */
export function builtinCatalogue(): TypeCatalogue {
  return new TypeCatalogue().add(CLOUDIFY_TYPES, 'cloudify/types/types.yaml').add(hybridTypesDocument(), HYBRID_TYPES_FILE);
}
