/**
 * The `local` provider: commands, files and processes on the deploying machine itself, the
 * target a new user can deploy to anywhere (node types in lib/core/types/local.ts).
 */
import { Provider } from '../../engine/provider';
import { commandOperations } from './command';
import { fileOperations } from './file';
import { processOperations } from './process';
import { scriptOperations } from './script';

export { OUTPUT_MARKER, RAN_AT } from './command';
export { IDENTITY_VARIABLE } from './process-identity';

export function localProvider(): Provider {
  return {
    name: 'local',
    operations: { ...commandOperations, ...fileOperations, ...processOperations, ...scriptOperations },
    replaceOn: {
      // A changed trigger means "run it again from scratch": delete, then create.
      'hybrid.nodes.local.Command': ['triggers'],
      'hybrid.nodes.local.File': ['path'],
      // Processes have no update operation, so any change replaces them; these are listed for the plan's reason.
      'hybrid.nodes.local.Process': ['command', 'cwd', 'env'],
    },
  };
}
