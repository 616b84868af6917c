/**
 * The blueprint: the one contract between synth and the engine. A Cloudify DSL 1.4 document;
 * these types name the subset hybrid writes and reads (docs/blueprint-format.md describes it).
 */
import type { NodeTypeDefinition, PluginDefinition, RelationshipTypeDefinition } from '../lib/core/types/schema';

export const DSL_VERSION = 'cloudify_dsl_1_4';

export interface OperationDocument {
  readonly implementation: string;
  readonly inputs?: { [name: string]: any };
  readonly executor?: string;
  readonly max_retries?: number;
  readonly retry_interval?: number;
  readonly timeout?: number;
  readonly timeout_recoverable?: boolean;
}

export type InterfacesDocument = { [interfaceName: string]: { [operationName: string]: OperationDocument | string } };

export interface RelationshipDocument {
  readonly type: string;
  readonly target: string;
  readonly properties?: { [name: string]: any };
  readonly source_interfaces?: InterfacesDocument;
  readonly target_interfaces?: InterfacesDocument;
}

export interface ScalableDocument {
  readonly properties: { readonly default_instances?: number | any; readonly min_instances?: number; readonly max_instances?: number };
}

export interface NodeTemplateDocument {
  readonly type: string;
  readonly properties?: { [name: string]: any };
  readonly interfaces?: InterfacesDocument;
  readonly relationships?: RelationshipDocument[];
  readonly capabilities?: { readonly scalable?: ScalableDocument };
  /** Deprecated since DSL 1.3 (use capabilities.scalable); read in hand-written blueprints. */
  readonly instances?: { readonly deploy: number };
}

export interface InputDocument {
  readonly type?: string;
  readonly default?: any;
  readonly description?: string;
  readonly required?: boolean;
  readonly constraints?: Array<{ [kind: string]: any }>;
}

export interface OutputDocument {
  readonly value: any;
  readonly description?: string;
}

export interface GroupDocument {
  readonly members: string[];
}

export interface PolicyDocument {
  readonly type: string;
  readonly properties?: { default_instances?: number; min_instances?: number; max_instances?: number };
  readonly targets: string[];
}

export interface BlueprintMetadata {
  readonly hybrid?: {
    readonly version: string;
    readonly stack: string;
    /** Node template name → construct path, so plans and errors can name the user's construct. */
    readonly constructs?: { [nodeName: string]: string };
  };
  readonly [key: string]: any;
}

export interface BlueprintDocument {
  readonly tosca_definitions_version: string;
  readonly description?: string;
  readonly metadata?: BlueprintMetadata;
  readonly imports?: string[];
  readonly inputs?: { [name: string]: InputDocument };
  readonly dsl_definitions?: any;
  readonly plugins?: { [name: string]: PluginDefinition };
  readonly node_types?: { [name: string]: NodeTypeDefinition };
  readonly relationships?: { [name: string]: RelationshipTypeDefinition };
  readonly node_templates: { [name: string]: NodeTemplateDocument };
  readonly groups?: { [name: string]: GroupDocument };
  readonly policies?: { [name: string]: PolicyDocument };
  readonly outputs?: { [name: string]: OutputDocument };
  readonly capabilities?: { [name: string]: OutputDocument };
}

/** What synth produces for one stack: the blueprint and every file written next to it. */
export interface SynthesizedStack {
  readonly stackName: string;
  readonly blueprint: BlueprintDocument;
  /** Relative path → content; includes `blueprint.yaml`, the types file and scripts. */
  readonly files: { readonly [relativePath: string]: string };
}

/** Top-level keys Cloudify's parser accepts (cloudify-dsl.md §1); anything else is rejected. */
export const BLUEPRINT_SECTIONS = [
  'tosca_definitions_version', 'description', 'imports', 'dsl_definitions', 'metadata', 'inputs', 'plugins',
  'node_types', 'relationships', 'node_templates', 'policy_types', 'policy_triggers', 'groups', 'policies',
  'workflows', 'outputs', 'data_types', 'capabilities', 'labels', 'blueprint_labels', 'deployment_settings', 'resource_tags',
] as const;
