import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The jsii build script walks the entry's imports the same way before it runs jsii.
const { collectSources } = require('../../scripts/jsii-build.js');
const ROOT = path.join(__dirname, '..', '..');

describe('the public construct surface (constructs/index.ts)', () => {
  const { sources, problems } = collectSources(path.join(ROOT, 'constructs', 'index.ts'));

  test('imports no provider SDK and nothing but constructs and Node built-ins', () => {
    expect(problems).toEqual([]);
  });

  test('reaches no engine, provider or CLI code', () => {
    const outside = sources.map((file: string) => path.relative(ROOT, file)).filter((file: string) => /^lib\/(engine|providers|cli)\//.test(file));
    expect(outside).toEqual([]);
  });

  test('fails if a file it reaches imports a provider SDK', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'surface-'));
    fs.writeFileSync(path.join(dir, 'index.ts'), "export { Thing } from './thing';\n");
    fs.writeFileSync(path.join(dir, 'thing.ts'), "import { Client } from 'ssh2';\nexport class Thing { constructor(readonly client: Client) {} }\n");
    expect(collectSources(path.join(dir, 'index.ts')).problems).toEqual([expect.stringContaining("imports the provider SDK 'ssh2'")]);
  });
});
