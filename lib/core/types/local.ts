import { TypesDocument } from './schema';

/** Node types of the local provider: the deploying machine itself. */
export const LOCAL_TYPES: TypesDocument = {
  node_types: {
    'hybrid.nodes.local.Command': {
      derived_from: 'cloudify.nodes.Root',
      description: 'Runs shell commands on the deploying machine: one on create, one on delete, one on update.',
      properties: {
        create: { type: 'string', required: true, description: 'Shell command run on create; its stdout lines `key=value` after a `::hybrid-output::` marker become attributes.' },
        delete: { type: 'string', default: '', description: 'Shell command run on delete.' },
        update: { type: 'string', default: '', description: 'Shell command run when properties change; empty means the create command runs again.' },
        env: { type: 'dict', default: {}, description: 'Environment variables for the commands.' },
        cwd: { type: 'string', default: '', description: 'Working directory; empty means the stack directory.' },
        triggers: { type: 'dict', default: {}, description: 'Values that force a replacement when they change.' },
      },
      interfaces: {
        'cloudify.interfaces.lifecycle': {
          create: 'hybrid.local.command.create',
          update: 'hybrid.local.command.update',
          delete: 'hybrid.local.command.delete',
          check_drift: 'hybrid.local.command.read',
        },
      },
    },
    'hybrid.nodes.local.File': {
      derived_from: 'cloudify.nodes.Root',
      description: 'A file on the deploying machine with given content and mode.',
      properties: {
        path: { type: 'string', required: true, description: 'Absolute path, or relative to the stack directory.' },
        content: { type: 'string', default: '', description: 'The file content.' },
        mode: { type: 'string', default: '0644', description: 'Octal permission bits.' },
      },
      interfaces: {
        'cloudify.interfaces.lifecycle': {
          create: 'hybrid.local.file.create',
          update: 'hybrid.local.file.update',
          delete: 'hybrid.local.file.delete',
          check_drift: 'hybrid.local.file.read',
        },
      },
    },
    'hybrid.nodes.local.Process': {
      derived_from: 'cloudify.nodes.SoftwareComponent',
      description: 'A long-running process on the deploying machine, started detached and health-checked.',
      properties: {
        command: { type: 'list', required: true, description: 'The program and its arguments.' },
        env: { type: 'dict', default: {}, description: 'Environment variables.' },
        cwd: { type: 'string', default: '', description: 'Working directory; empty means the stack directory.' },
        health: { type: 'dict', default: {}, description: '`{ port: N }` (TCP connect on 127.0.0.1) or `{ command: "..." }`; empty means alive.' },
        startup_timeout: { type: 'integer', default: 30, description: 'Seconds to wait for the health check.' },
        log_file: { type: 'string', default: '', description: 'Where stdout and stderr go; empty means the state directory.' },
      },
      interfaces: {
        'cloudify.interfaces.lifecycle': {
          start: 'hybrid.local.process.start',
          stop: 'hybrid.local.process.stop',
          check_drift: 'hybrid.local.process.read',
        },
        'cloudify.interfaces.validation': { check_status: 'hybrid.local.process.read' },
      },
    },
  },
};
