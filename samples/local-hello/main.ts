import { App, Constraint, Fn, Input, InputType, Output, Stack } from 'hybrid-iac';
import { HealthCheck, LocalFile, LocalProcess } from 'hybrid-iac/constructs/local';

// A small web server on this machine: its config and page are files hybrid writes, the server
// is a process hybrid starts, health-checks and stops on destroy.
const app = new App({ description: 'hello, from a web server that hybrid runs on the local machine' });
const stack = new Stack(app, 'local-hello');

const port = new Input(stack, 'port', {
  type: InputType.INTEGER,
  default: 8080,
  description: 'TCP port the server listens on (127.0.0.1 only)',
  constraints: [Constraint.inRange(1024, 65535)],
});
const greeting = new Input(stack, 'greeting', { default: 'Hello from hybrid', description: 'The page heading' });

const page = new LocalFile(stack, 'Page', {
  path: 'run/www/index.html',
  content: Fn.concat('<!doctype html>\n<h1>', greeting.value, '</h1>\n<p>Served by a process that hybrid deployed.</p>\n'),
});

const config = new LocalFile(stack, 'Config', {
  path: 'run/server.json',
  content: Fn.concat('{"host": "127.0.0.1", "port": ', port.value, ', "root": "', page.absolutePath, '"}\n'),
  mode: 0o600,
});

const server = new LocalProcess(stack, 'Server', {
  command: ['node', 'app/server.js', config.absolutePath],
  healthCheck: HealthCheck.port(port.value),
  startupTimeout: 15,
});
server.dependsOn(config);

new Output(stack, 'url', { value: Fn.concat('http://127.0.0.1:', port.value, '/'), description: 'Where the page is served' });
new Output(stack, 'pid', { value: server.pid, description: 'The server process' });
