export * from './blueprint';
export { synthesizeApp, synthesizeStack, typesFile, HYBRID_VERSION } from './synthesize';
export { nodeNameFromPath } from './naming';
export { toYaml } from './yaml';
export { findCycle } from './cycles';
export { validateBlueprint } from './validate';
export { Scope, placementProblem, intrinsicName } from './functions';
