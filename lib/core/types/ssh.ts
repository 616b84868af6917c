import { PropertySchema, TypesDocument } from './schema';

/**
 * Properties every node that runs something on a host shares: the environment, working
 * directory, sudo and the outputs to keep secret.
 */
const RUN_PROPERTIES = {
  env: { type: 'dict', default: {}, description: 'Environment variables for the commands; values are passed in a quoted file, never on a command line.' },
  cwd: { type: 'string', default: '', description: 'Working directory on the host, absolute or relative to the login directory; empty means the login directory.' },
  sudo: { type: 'boolean', default: false, description: "Run as root through sudo, the way the Host's `sudo` property says (NOPASSWD or a password)." },
  secret_outputs: { type: 'list', default: [], description: 'Names of outputs whose values are secret: encrypted in state and masked in every log and error.' },
  triggers: { type: 'dict', default: {}, description: 'Values that force a replacement (delete, then create) when they change.' },
};

const connection = (kind: string) => ({
  create: `hybrid.ssh.${kind}.create`,
  update: `hybrid.ssh.${kind}.update`,
  delete: `hybrid.ssh.${kind}.delete`,
  check_drift: `hybrid.ssh.${kind}.read`,
});

/** How a host is reached over SSH: the properties of every host type the SSH machinery connects to. */
export const SSH_CONNECTION_PROPERTIES: { [name: string]: PropertySchema } = {
  address: { type: 'string', required: true, description: 'Host name or IP address.' },
  port: { type: 'integer', default: 22, description: 'SSH port.' },
  user: { type: 'string', required: true, description: 'Login user.' },
  auth: {
    type: 'dict',
    default: { method: 'agent' },
    description: '`{ method: key_file, path, passphrase? }`, `{ method: private_key, private_key, passphrase? }` (a secret) or `{ method: agent, socket? }`.',
  },
  host_key: {
    type: 'dict',
    default: { known_hosts: '~/.ssh/known_hosts' },
    description: '`{ known_hosts: path }`, `{ fingerprint: "SHA256:..." }` or `{ trust_on_first_use: true }` (the key seen first is recorded and required afterwards).',
  },
  bastion: { type: 'dict', default: {}, description: 'The connection properties (address, port, user, auth, host_key, bastion) of a jump host; empty means a direct connection.' },
  concurrency: { type: 'integer', default: 4, description: 'At most this many operations run on the host at once (one SSH connection, several sessions).' },
  connect_timeout: { type: 'integer', default: 20, description: 'Seconds to wait for the TCP connection and the SSH handshake.' },
  keepalive_interval: { type: 'integer', default: 15, description: 'Seconds between SSH keepalives; the connection counts as lost after 3 unanswered ones. 0 turns them off.' },
};

/**
 * Node types of the ssh provider: hosts reached over SSH and what runs on them. Commands,
 * scripts and files are `contained_in` a Host; the provider finds the connection by walking up
 * the containment to the nearest `hybrid.nodes.ssh.Host`. Any node contained in a Host can also
 * use the `hybrid.ssh.run` operation (lifecycle or relationship operation) with inputs `script`,
 * `args`, `env`, `cwd`, `sudo` and `secret_outputs`.
 */
export const SSH_TYPES: TypesDocument = {
  node_types: {
    'hybrid.nodes.ssh.Host': {
      derived_from: 'cloudify.nodes.Compute',
      description:
        'An existing machine reached over SSH. Create connects (verifying the host key and logging in) and records facts about the host; ' +
        'nothing is ever deleted from it.',
      properties: {
        ...SSH_CONNECTION_PROPERTIES,
        sudo: { type: 'dict', default: {}, description: '`{}` for NOPASSWD sudo, or `{ password: <secret> }`.' },
        temp_directory: { type: 'string', default: '/tmp', description: 'Where scripts are staged (a private 0700 directory per run, removed afterwards).' },
      },
      interfaces: {
        'cloudify.interfaces.lifecycle': {
          create: 'hybrid.ssh.host.create',
          update: 'hybrid.ssh.host.update',
          check_drift: 'hybrid.ssh.host.read',
        },
      },
    },
    'hybrid.nodes.ssh.Command': {
      derived_from: 'cloudify.nodes.Root',
      description: 'Shell commands (`/bin/sh`) run on the containing Host: one on create, one on update, one on delete.',
      properties: {
        create: { type: 'string', required: true, description: 'Command run on create; `key=value` lines after a `::hybrid-output::` line on stdout become attributes.' },
        update: { type: 'string', default: '', description: 'Command run when properties change; empty means the create command runs again.' },
        delete: { type: 'string', default: '', description: 'Command run on delete.' },
        ...RUN_PROPERTIES,
      },
      interfaces: { 'cloudify.interfaces.lifecycle': connection('command') },
    },
    'hybrid.nodes.ssh.Script': {
      derived_from: 'cloudify.nodes.SoftwareComponent',
      description: 'Scripts run on the containing Host: the text is uploaded and run with the interpreter its `#!` line names (default `/bin/sh`).',
      properties: {
        create: { type: 'string', required: true, description: 'Script run on create; `key=value` lines after a `::hybrid-output::` line on stdout become attributes.' },
        update: { type: 'string', default: '', description: 'Script run when properties change; empty means the create script runs again.' },
        delete: { type: 'string', default: '', description: 'Script run on delete.' },
        args: { type: 'list', default: [], description: 'Arguments passed to every script.' },
        ...RUN_PROPERTIES,
      },
      interfaces: { 'cloudify.interfaces.lifecycle': connection('script') },
    },
    'hybrid.nodes.ssh.File': {
      derived_from: 'cloudify.nodes.Root',
      description: 'A file, or a directory tree, uploaded over SFTP to the containing Host with given modes and owner.',
      properties: {
        path: { type: 'string', required: true, description: 'Where it goes on the host: absolute, or relative to the login directory.' },
        content: { type: 'string', default: '', description: 'The file content (when `source` is empty).' },
        source: { type: 'string', default: '', description: 'A local file or directory to upload, absolute or relative to the program directory.' },
        source_digest: { type: 'string', default: '', description: 'A digest of `source` taken at synth, so a changed source is planned as an update.' },
        mode: { type: 'string', default: '', description: "Octal permission bits of the files; empty means 0644 for content and the local file's bits for a source." },
        directory_mode: { type: 'string', default: '0755', description: 'Octal permission bits of directories hybrid creates.' },
        owner: { type: 'string', default: '', description: '`user` or `user:group` to own the files; empty leaves the login user.' },
        sudo: { type: 'boolean', default: false, description: 'Write through sudo (for paths the login user cannot write).' },
      },
      interfaces: { 'cloudify.interfaces.lifecycle': connection('file') },
    },
  },
};
