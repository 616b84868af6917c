import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { builtinCatalogue } from '../../../lib/core/types';
import { TypeCatalogue } from '../../../lib/core/types/schema';
import { EngineEvent, EventBus } from '../../../lib/engine/events';
import { buildModel, DeploymentModel } from '../../../lib/engine/model';
import { ProviderRegistry } from '../../../lib/engine/provider';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import type { DeployOptions } from '../../../lib/engine/workflows';
import type { BlueprintDocument } from '../../../synth/blueprint';
import { RECORDING_TYPES, RecordingOptions, RecordingWorld, recordingProvider } from './recording-provider';

export function temporaryDirectory(prefix = 'hybrid-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A blueprint over the recording provider's types. */
export function recordingBlueprint(nodeTemplates: BlueprintDocument['node_templates'], extra: Partial<BlueprintDocument> = {}): BlueprintDocument {
  return {
    tosca_definitions_version: 'cloudify_dsl_1_4',
    imports: ['cloudify/types/types.yaml', 'hybrid-types.yaml'],
    node_types: RECORDING_TYPES.node_types,
    relationships: RECORDING_TYPES.relationships,
    node_templates: nodeTemplates,
    ...extra,
  };
}

export function recordingModel(blueprint: BlueprintDocument, stack = 'test', baseDirectory = os.tmpdir()): DeploymentModel {
  const catalogue: TypeCatalogue = builtinCatalogue().clone().add({ node_types: blueprint.node_types, relationships: blueprint.relationships }, 'test');
  return buildModel(blueprint, catalogue, baseDirectory, stack);
}

/** A stack directory with a state store, a recording world and collected events. */
export class EngineHarness {
  public readonly directory = temporaryDirectory();
  public readonly store = new FileStateStore(path.join(this.directory, '.hybrid', 'test'));
  public readonly world: RecordingWorld;
  public readonly events: EngineEvent[] = [];
  public readonly options: RecordingOptions;

  constructor(options: Partial<RecordingOptions> = {}) {
    this.options = { worldFile: path.join(this.directory, 'world.ndjson'), ...options };
    this.world = new RecordingWorld(this.options);
  }

  public deployOptions(extra: Partial<DeployOptions> = {}): DeployOptions {
    const bus = new EventBus();
    bus.on((event) => this.events.push(event));
    return {
      store: this.store,
      registry: new ProviderRegistry().register(recordingProvider(this.world, this.options)),
      events: bus,
      workDirectory: path.join(this.directory, '.hybrid', 'test', 'work'),
      environment: { HYBRID_HOME: path.join(this.directory, 'home') },
      retryBaseMs: 5,
      ...extra,
    };
  }

  public cleanup(): void {
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}
