import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import { emptyState } from '../../../lib/engine/state/records';
import type { LockInfo } from '../../../lib/engine/state/types';
import { temporaryDirectory } from '../support/fixtures';
import { describeStateStoreConformance, StoreFixture } from './conformance';

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

function fileStoreFixture(): StoreFixture {
  const root = temporaryDirectory('hybrid-store-');
  const directory = path.join(root, '.hybrid', 'stack');
  const file = (name: string) => path.join(directory, name);
  const journalLines = () => fs.readFileSync(file('journal.ndjson'), 'utf8').split('\n').filter((line) => line.length > 0);
  const stores: FileStateStore[] = [];
  const open = () => {
    const store = new FileStateStore(directory);
    stores.push(store);
    return store;
  };
  return {
    store: open(),
    reopen: open,
    tearLastJournalEntry: () => {
      const text = fs.readFileSync(file('journal.ndjson'), 'utf8');
      const lastLine = text.slice(text.lastIndexOf('\n', text.length - 2) + 1);
      fs.truncateSync(file('journal.ndjson'), Buffer.byteLength(text) - Math.ceil(Buffer.byteLength(lastLine) / 2));
    },
    damageJournalEntry: (index) => {
      const lines = journalLines();
      lines[index] = lines[index].replace('"started"', '"stopped"');
      fs.writeFileSync(file('journal.ndjson'), lines.join('\n') + '\n');
    },
    tamperWithSnapshot: () => {
      const text = fs.readFileSync(file('state.json'), 'utf8');
      fs.writeFileSync(file('state.json'), text.replace('"started"', '"stopped"'));
    },
    readBackup: () => (fs.existsSync(file('state.json.bak')) ? JSON.parse(fs.readFileSync(file('state.json.bak'), 'utf8')).state : undefined),
    leaveDeadLock: () => {
      const info: LockInfo = { holder: 'ghost', host: os.hostname(), pid: deadPid(), operation: 'deploy', time: new Date(0).toISOString() };
      fs.mkdirSync(directory, { recursive: true });
      fs.writeFileSync(file('lock'), JSON.stringify(info));
      return info;
    },
    cleanup: () => {
      for (const store of stores) store.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

describeStateStoreConformance('FileStateStore', fileStoreFixture);

describe('FileStateStore on disk', () => {
  let fixture: StoreFixture;
  beforeEach(() => {
    fixture = fileStoreFixture();
  });
  afterEach(() => fixture.cleanup());

  const directoryOf = (store: unknown) => (store as FileStateStore).directory;

  test('fails if a journal entry before the last names another serial than it was written with, with StateCorrupt', async () => {
    const fixture = fileStoreFixture();
    try {
      const { store } = fixture;
      await store.writeSnapshot({ ...emptyState('stack'), serial: 1 });
      await store.append(1, []);
      await store.append(1, [{ kind: 'forget-instance', id: 'a_0' }]);
      await store.append(1, [{ kind: 'forget-instance', id: 'b_0' }]);
      const journal = path.join((store as any).directory, 'journal.ndjson');
      const lines = fs.readFileSync(journal, 'utf8').split('\n');
      lines[0] = lines[0].replace('"serial":1', '"serial":2');
      fs.writeFileSync(journal, lines.join('\n'));
      await expect(fixture.reopen().load()).rejects.toMatchObject({ code: 'StateCorrupt' });
    } finally {
      fixture.cleanup();
    }
  });

  test('state lives in state.json, state.json.bak, journal.ndjson and lock', async () => {
    const { store } = fixture;
    const lock = await store.lock({ holder: 'tester', host: os.hostname(), pid: process.pid, operation: 'deploy', time: new Date().toISOString() });
    const first = { ...emptyState('disk'), serial: 1 };
    await store.writeSnapshot(first);
    await store.writeSnapshot({ ...first, serial: 2 });
    await store.append(2, [{ kind: 'meta', outputs: { a: 1 } }]);
    const files = fs.readdirSync(directoryOf(store)).sort();
    await lock.release();
    expect(files).toEqual(['journal.ndjson', 'lock', 'state.json', 'state.json.bak']);
  });

  test('the snapshot and the journal are readable only by their owner', async () => {
    const { store } = fixture;
    await store.writeSnapshot({ ...emptyState('disk'), serial: 1 });
    await store.append(1, [{ kind: 'meta', outputs: { a: 1 } }]);
    const mode = (name: string) => fs.statSync(path.join(directoryOf(store), name)).mode & 0o777;
    expect([mode('state.json'), mode('journal.ndjson')]).toEqual([0o600, 0o600]);
  });

  test('the snapshot file carries the state format version', async () => {
    const { store } = fixture;
    await store.writeSnapshot({ ...emptyState('disk'), serial: 1 });
    const body = JSON.parse(fs.readFileSync(path.join(directoryOf(store), 'state.json'), 'utf8'));
    expect(body.state.version).toBe(1);
  });
});
