import { TypesDocument } from './schema';
import { SSH_CONNECTION_PROPERTIES } from './ssh';

/**
 * Node types of the windows provider: Windows machines reached over SSH (Windows OpenSSH with
 * `cmd.exe` as its shell; files over SFTP) and the services they run, managed with `sc.exe`.
 * A Service is `contained_in` a Host; the provider finds the connection by walking up the
 * containment to the nearest `hybrid.nodes.windows.Host`.
 */
export const WINDOWS_TYPES: TypesDocument = {
  node_types: {
    'hybrid.nodes.windows.Host': {
      derived_from: 'cloudify.nodes.Compute',
      description:
        'An existing Windows machine reached over SSH (Windows OpenSSH, cmd.exe as the default shell). Create connects (verifying the host key and ' +
        'logging in) and records facts about the host; nothing is ever deleted from it.',
      properties: {
        ...SSH_CONNECTION_PROPERTIES,
        user: { type: 'string', required: true, description: 'Login user; it must be an administrator to manage services.' },
        data_directory: {
          type: 'string',
          default: 'C:\\ProgramData\\hybrid',
          description: 'Where hybrid keeps what it puts on the host: uploaded service binaries, launchers and temporary files (one folder per service).',
        },
        ip: {
          type: 'string',
          default: '',
          description: 'The IP address other nodes reach the host at (Endpoints made by exposeToCluster hold it); empty means the address, resolved by the deploying machine.',
        },
        os_family: { default: 'windows' },
      },
      interfaces: {
        'cloudify.interfaces.lifecycle': {
          create: 'hybrid.windows.host.create',
          update: 'hybrid.windows.host.update',
          check_drift: 'hybrid.windows.host.read',
        },
      },
    },
    'hybrid.nodes.windows.Service': {
      derived_from: 'cloudify.nodes.SoftwareComponent',
      description:
        'A Windows service on the containing Host, managed with sc.exe: create uploads the binary and creates and configures the service, start ' +
        'starts it and waits for RUNNING, update stops, reconfigures what changed and starts it again, stop waits for STOPPED, delete removes it.',
      properties: {
        name: { type: 'string', required: true, description: 'The service name (the key under HKLM\\SYSTEM\\CurrentControlSet\\Services). Changing it replaces the service.' },
        display_name: { type: 'string', default: '', description: 'The name shown in the Services console; empty means the service name.' },
        description: { type: 'string', default: '', description: 'The service description.' },
        binary_path: {
          type: 'string',
          default: '',
          description: 'The service executable on the host (absolute Windows path). With binary_source, where it is uploaded to; empty means <data_directory>\\services\\<name>\\<file name>.',
        },
        binary_source: { type: 'string', default: '', description: 'A local file uploaded over SFTP as the service executable, absolute or relative to the program directory.' },
        binary_digest: { type: 'string', default: '', description: 'A digest of binary_source taken at synth, so a changed binary is planned as an update.' },
        arguments: { type: 'list', default: [], description: 'Arguments the service process is started with (ImagePath), passed exactly as given.' },
        environment: {
          type: 'dict',
          default: {},
          description:
            'Environment variables of the service process. Written to the service\'s Environment registry value (which Windows\' service control manager reads); ' +
            'with environment_delivery: launcher also set by a generated batch launcher (for service managers that ignore that value, such as Wine\'s).',
        },
        environment_delivery: { type: 'string', default: 'registry', description: '`registry` or `launcher`: how environment reaches the process (see environment).' },
        start_type: { type: 'string', default: 'auto', description: '`auto`, `delayed-auto`, `manual` or `disabled`. Deploy starts every service that is not disabled.' },
        account: { type: 'string', default: '', description: 'The account the service runs as (`NT AUTHORITY\\LocalService`, `.\\svc-user`, `DOMAIN\\user`); empty means LocalSystem.' },
        password: { type: 'string', default: '', description: 'The password of `account` (a secret); empty for built-in accounts.' },
        dependencies: { type: 'list', default: [], description: 'Names of services that must run before this one starts.' },
        recovery: {
          type: 'dict',
          default: {},
          description:
            'What the service control manager does when the service fails: `{ reset_period: seconds, actions: [{ action: restart|run|reboot|none, delay: seconds }], command: "..." }`; empty means nothing.',
        },
        startup_timeout: { type: 'integer', default: 60, description: 'Seconds to wait for RUNNING (and the health check) after a start.' },
        stop_timeout: { type: 'integer', default: 60, description: 'Seconds to wait for STOPPED after a stop, and for the service to go after a delete.' },
        health_port: { type: 'integer', default: 0, description: 'A TCP port on the host that must accept connections (from the deploying machine) before the service counts as started; 0 means none.' },
      },
      interfaces: {
        'cloudify.interfaces.lifecycle': {
          create: 'hybrid.windows.service.create',
          start: 'hybrid.windows.service.start',
          update: 'hybrid.windows.service.update',
          stop: 'hybrid.windows.service.stop',
          delete: 'hybrid.windows.service.delete',
          check_drift: 'hybrid.windows.service.read',
        },
        'cloudify.interfaces.validation': { check_status: 'hybrid.windows.service.status' },
      },
    },
  },
};
