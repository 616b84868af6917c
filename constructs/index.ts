/**
 * The public construct surface of hybrid: what a program imports and what jsii exports to other
 * languages (see jsii.json and scripts/jsii-build.js). Only classes, structs, behavioural
 * interfaces and enums appear here (no functions or constants), and no type from a provider SDK.
 * HybridError stays out: it extends Error, which jsii cannot represent; import it from the
 * package's main entry.
 */
export { App, AppProps, Stack, StackProps } from '../lib/core/app';
export {
  NodeTemplate, NodeTemplateProps, InstancesProps, RelationshipProps, RelationshipOperations, RelationshipSpec, ConnectToOptions,
} from '../lib/core/node-template';
export { Ref, RefTarget, IRefResolver, Fn } from '../lib/core/refs';
export { Input, InputProps, InputType, Constraint, Output, OutputProps, Secret } from '../lib/core/inputs';
export { Script, OperationProps, OperationSpec } from '../lib/core/operation';
export { ScalingGroup, ScalingGroupProps } from '../lib/core/scaling';
export { NodeType, NodeTypeProps, RelationshipType, RelationshipTypeProps, TypeOperationProps } from '../lib/core/custom-types';
export { SourceLocation } from '../lib/core/location';
export { PropertySchema } from '../lib/core/types/schema';

// Typed constructs, imported in TypeScript from `hybrid-iac/constructs/<target>`. Flat here: their
// names carry the target (LocalCommand, RemoteCommand, ...), and jsii 6 loses interfaces that a
// submodule re-exports by name (`export { XOptions } from`), reporting them as not exported.
export * from './local';
export * from './hosts';
export * from './kubernetes';
export * from './apps';
export * from './windows';
export * from './openstack';
