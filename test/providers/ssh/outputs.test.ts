/** The output protocol of remote scripts. */
import { OutputReader } from '../../../lib/providers/ssh/outputs';

function read(lines: string[]): { reader: OutputReader; logged: string[] } {
  const reader = new OutputReader();
  const logged = lines.filter((line) => !reader.line(line));
  return { reader, logged };
}

test('key=value lines after the marker are outputs and other lines are output to log', () => {
  const { reader, logged } = read(['token=before', '::hybrid-output::', 'url=http://x:1/?a=b', 'not an output']);
  expect({ outputs: reader.outputs, logged }).toEqual({ outputs: { url: 'http://x:1/?a=b' }, logged: ['token=before', 'not an output'] });
});

test('name<<DELIMITER collects lines up to the delimiter as one value', () => {
  const { reader } = read(['::hybrid-output::', 'kubeconfig<<EOF', 'apiVersion: v1', 'token=x', '', 'EOF', 'after=1']);
  expect(reader.outputs).toEqual({ kubeconfig: 'apiVersion: v1\ntoken=x\n', after: '1' });
});

test('a multi-line output without its delimiter is reported', () => {
  expect(read(['::hybrid-output::', 'key<<END', 'half']).reader.unterminated).toBe('key');
});
