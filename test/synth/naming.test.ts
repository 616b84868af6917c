import { nodeNameFromPath } from '../../synth/naming';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

describe('node template names from construct paths', () => {
  test('join the path segments in kebab case', () => {
    expect(nodeNameFromPath('Blog/MysqlDeployment')).toBe('blog-mysql-deployment');
  });

  test('split acronyms from the word that follows', () => {
    expect(nodeNameFromPath('HTTPServer')).toBe('http-server');
  });

  test('skip the Default and Resource ids that stand for their parent', () => {
    expect(nodeNameFromPath('Blog/Database/Resource')).toBe('blog-database');
  });

  test('replace characters outside a DNS label with hyphens', () => {
    expect(nodeNameFromPath('web_server.v2')).toBe('web-server-v2');
  });

  test('are the same for the same path every time', () => {
    const path = 'Cluster/Workers/Worker12/'.repeat(4) + 'Kubelet';
    expect(nodeNameFromPath(path)).toBe(nodeNameFromPath(path));
  });

  test('keep a name of exactly 63 characters without a hash', () => {
    const path = 'a'.repeat(63);
    expect(nodeNameFromPath(path)).toBe(path);
  });

  test('end with a 6-character hash of the path only when longer than 63 characters', () => {
    expect(nodeNameFromPath('a'.repeat(64))).toMatch(/^a{56}-[0-9a-f]{6}$/);
  });

  test('of long paths that share a prefix differ', () => {
    const prefix = 'Region/'.repeat(12);
    expect(nodeNameFromPath(prefix + 'WorkerOne')).not.toBe(nodeNameFromPath(prefix + 'WorkerTwo'));
  });

  test('are DNS labels for odd ids', () => {
    const ids = ['Ünïcödé', '日本', '--x--', '9lives', 'a'.repeat(100), 'A/B/C', '_', 'Web Server!'];
    expect(ids.map(nodeNameFromPath).filter((name) => !DNS_LABEL.test(name))).toEqual([]);
  });
});
