/**
 * The StateStore conformance suite: the facts about durability, integrity and locking that the
 * engine relies on. Every store (the file store, and later remote ones) runs it:
 *
 *   describeStateStoreConformance('FileStateStore', () => fileStoreFixture());
 *
 * A store exposes its faults through the fixture (how a crash tears its journal, how its snapshot
 * is damaged, how a dead holder's lock looks), so the same facts are checked for each.
 */
import { randomUUID } from 'crypto';
import { ErrorCode } from '../../../lib/core/errors';
import { emptyState, integrityProblems } from '../../../lib/engine/state/records';
import type { InstanceRecord, JournalRecord, LockInfo, NodeRecord, StateSnapshot, StateStore } from '../../../lib/engine/state/types';

export interface StoreFixture {
  /** A store over empty state. */
  readonly store: StateStore;
  /** Another store object over the same state, as a second process would open it. */
  reopen(): StateStore;
  /** Cuts the last journal entry short, as a crash in the middle of an append leaves it. */
  tearLastJournalEntry(): void;
  /** Damages the journal entry at `index` (0-based), keeping the entries after it intact. */
  damageJournalEntry(index: number): void;
  /** Changes the stored snapshot's content without updating its checksum. */
  tamperWithSnapshot(): void;
  /** The previous snapshot kept as a backup, or undefined when there is none. */
  readBackup(): StateSnapshot | undefined;
  /** Leaves the lock as a holder that has since died left it; returns the holder's info. */
  leaveDeadLock(): LockInfo;
  cleanup(): void;
}

const NODE = { name: 'node', type: 'test.nodes.Resource', typeHierarchy: ['test.nodes.Resource'], properties: {}, operations: {}, relationships: [] } as unknown as NodeRecord;

function instance(id: string, extra: Partial<InstanceRecord> = {}): InstanceRecord {
  return { id, node: 'node', type: 'test.nodes.Resource', index: Number(id.split('_')[1] ?? 0), status: 'started', properties: {}, runtimeProperties: {}, relationships: [], ...extra };
}

function instanceRecord(id: string, extra: Partial<InstanceRecord> = {}): JournalRecord {
  return { kind: 'instance', record: instance(id, extra) };
}

/** One lineage for the states a test writes (each test has a store of its own). */
const LINEAGE_BASE = emptyState('conformance');

/** A state at `serial` holding the node and the given instances. */
function stateAt(serial: number, ids: string[] = [], base: StateSnapshot = LINEAGE_BASE): StateSnapshot {
  return { ...base, serial, nodes: { node: NODE }, instances: Object.fromEntries(ids.map((id) => [id, instance(id)])) };
}

function lockInfo(operation = 'deploy'): LockInfo {
  return { holder: 'tester', host: 'conformance-host', pid: process.pid, operation, time: new Date().toISOString() };
}

export function describeStateStoreConformance(name: string, makeStore: () => StoreFixture): void {
  describe(`${name} conforms to StateStore`, () => {
    let fixture: StoreFixture;
    let store: StateStore;
    beforeEach(() => {
      fixture = makeStore();
      store = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    describe('loading and writing', () => {
      test('load returns nothing when no state was written', async () => {
        expect(await store.load()).toBeUndefined();
      });

      test('a written snapshot loads back as written', async () => {
        const state = stateAt(1, ['node_0']);
        await store.writeSnapshot(state);
        expect(await store.load()).toEqual(state);
      });

      test('appended records are applied on load', async () => {
        await store.writeSnapshot(stateAt(1));
        await store.append(1, [instanceRecord('node_0'), instanceRecord('node_1', { status: 'creating' })]);
        const loaded = (await store.load())!;
        expect([loaded.instances.node_0.status, loaded.instances.node_1.status]).toEqual(['started', 'creating']);
      });

      test('records appended in several batches are applied in order', async () => {
        await store.writeSnapshot(stateAt(1));
        await store.append(1, [instanceRecord('node_0', { status: 'creating' })]);
        await store.append(1, [instanceRecord('node_0', { status: 'created' })]);
        await store.append(1, [{ kind: 'forget-instance', id: 'node_0' }, instanceRecord('node_1')]);
        expect(Object.keys((await store.load())!.instances)).toEqual(['node_1']);
      });

      test('records appended by one store object are seen by another over the same state', async () => {
        await store.writeSnapshot(stateAt(1));
        await store.append(1, [instanceRecord('node_0')]);
        expect(Object.keys((await fixture.reopen().load())!.instances)).toEqual(['node_0']);
      });

      test('a snapshot supersedes the journal records written before it', async () => {
        await store.writeSnapshot(stateAt(1));
        await store.append(1, [instanceRecord('node_0')]);
        await store.writeSnapshot(stateAt(2, ['node_1']));
        expect(Object.keys((await store.load())!.instances)).toEqual(['node_1']);
      });

      test('records appended after a snapshot apply on top of it', async () => {
        await store.writeSnapshot(stateAt(1));
        await store.append(1, [instanceRecord('node_0')]);
        await store.writeSnapshot(stateAt(2, ['node_1']));
        await store.append(2, [instanceRecord('node_2')]);
        expect(Object.keys((await store.load())!.instances).sort()).toEqual(['node_1', 'node_2']);
      });

      test('meta records replace inputs, outputs and scaling', async () => {
        await store.writeSnapshot(stateAt(1));
        await store.append(1, [{ kind: 'meta', inputs: { size: 2 }, outputs: { url: 'x' }, scaling: { group: { count: 3, blueprintDefault: 1 } } }]);
        const loaded = (await store.load())!;
        expect([loaded.inputs, loaded.outputs, loaded.scaling]).toEqual([{ size: 2 }, { url: 'x' }, { group: { count: 3, blueprintDefault: 1 } }]);
      });

      test('bytesWritten grows with every write', async () => {
        const counts = [store.bytesWritten];
        await store.writeSnapshot(stateAt(1));
        counts.push(store.bytesWritten);
        await store.append(1, [instanceRecord('node_0')]);
        counts.push(store.bytesWritten);
        expect(counts[0] < counts[1] && counts[1] < counts[2]).toBe(true);
      });
    });

    describe('damage and integrity', () => {
      test('a torn last journal entry is ignored', async () => {
        await store.writeSnapshot(stateAt(1));
        await store.append(1, [instanceRecord('node_0')]);
        await store.append(1, [instanceRecord('node_1')]);
        fixture.tearLastJournalEntry();
        expect(Object.keys((await fixture.reopen().load())!.instances)).toEqual(['node_0']);
      });

      test('records appended after a torn journal entry still load', async () => {
        await store.writeSnapshot(stateAt(1));
        await store.append(1, [instanceRecord('node_0')]);
        await store.append(1, [instanceRecord('node_1')]);
        fixture.tearLastJournalEntry();
        const next = fixture.reopen();
        await next.append(1, [instanceRecord('node_2')]);
        await next.append(1, [instanceRecord('node_3')]);
        expect(Object.keys((await fixture.reopen().load())!.instances).sort()).toEqual(['node_0', 'node_2', 'node_3']);
      });

      test('fails if a journal entry before the last is damaged, with StateCorrupt', async () => {
        await store.writeSnapshot(stateAt(1));
        await store.append(1, [instanceRecord('node_0')]);
        await store.append(1, [instanceRecord('node_1')]);
        await store.append(1, [instanceRecord('node_2')]);
        fixture.damageJournalEntry(1);
        await expect(fixture.reopen().load()).rejects.toMatchObject({ code: ErrorCode.StateCorrupt });
      });

      test('fails if the snapshot does not match its checksum, with StateCorrupt', async () => {
        await store.writeSnapshot(stateAt(1, ['node_0']));
        fixture.tamperWithSnapshot();
        await expect(fixture.reopen().load()).rejects.toMatchObject({ code: ErrorCode.StateCorrupt });
      });

      test('fails if a snapshot does not raise the serial, with StateMoved', async () => {
        const first = stateAt(2);
        await store.writeSnapshot(first);
        await expect(store.writeSnapshot(stateAt(2, ['node_0'], first))).rejects.toMatchObject({ code: ErrorCode.StateMoved });
      });

      test('a refused snapshot leaves the stored state as it was', async () => {
        const first = stateAt(2, ['node_0']);
        await store.writeSnapshot(first);
        await store.writeSnapshot(stateAt(1, [], first)).catch(() => undefined);
        expect(await store.load()).toEqual(first);
      });

      test('fails if a snapshot of another lineage would replace the state, with StateCorrupt', async () => {
        await store.writeSnapshot(stateAt(1));
        const stranger = { ...stateAt(2), lineage: randomUUID() };
        await expect(store.writeSnapshot(stranger)).rejects.toMatchObject({ code: ErrorCode.StateCorrupt });
      });

      test('fails if a snapshot fails the integrity check, with StateCorrupt', async () => {
        const broken = stateAt(1, ['node_0']);
        const dangling = { ...broken, instances: { node_0: instance('node_0', { host: 'gone_0' }) } };
        expect(integrityProblems(dangling)).not.toEqual([]);
        await expect(store.writeSnapshot(dangling)).rejects.toMatchObject({ code: ErrorCode.StateCorrupt });
      });

      test('the previous snapshot is kept as a backup', async () => {
        await store.writeSnapshot(stateAt(1, ['node_0']));
        await store.writeSnapshot(stateAt(2, ['node_1']));
        expect(fixture.readBackup()).toEqual(stateAt(1, ['node_0']));
      });
    });

    describe('locking', () => {
      test('a lock is exclusive: a second taker fails with StateLocked', async () => {
        await store.lock(lockInfo('deploy'));
        await expect(fixture.reopen().lock(lockInfo('destroy'))).rejects.toMatchObject({ code: ErrorCode.StateLocked });
      });

      test('a refused taker is told who holds the lock, where and doing what', async () => {
        await store.lock(lockInfo('deploy'));
        const error = await fixture.reopen().lock(lockInfo('destroy')).catch((caught) => caught as Error);
        expect((error as Error).message).toEqual(expect.stringMatching(new RegExp(`tester.*conformance-host.*pid ${process.pid}.*'deploy'`)));
      });

      test('the holder is readable while the lock is held', async () => {
        const info = lockInfo('deploy');
        await store.lock(info);
        expect(await fixture.reopen().readLock()).toEqual(info);
      });

      test('a released lock can be taken again', async () => {
        const lock = await store.lock(lockInfo('deploy'));
        await lock.release();
        const again = await fixture.reopen().lock(lockInfo('destroy'));
        expect(again.tookOverFrom).toBeUndefined();
      });

      test('a lock whose holder died is taken over, naming the previous holder', async () => {
        const dead = fixture.leaveDeadLock();
        const lock = await store.lock(lockInfo('deploy'));
        expect(lock.tookOverFrom).toEqual(dead);
      });

      test('a lock taken over from a dead holder is exclusive again', async () => {
        fixture.leaveDeadLock();
        await store.lock(lockInfo('deploy'));
        await expect(fixture.reopen().lock(lockInfo('destroy'))).rejects.toMatchObject({ code: ErrorCode.StateLocked });
      });

      test('forceUnlock removes a lock whoever holds it', async () => {
        await store.lock(lockInfo('deploy'));
        await fixture.reopen().forceUnlock();
        expect(await store.readLock()).toBeUndefined();
      });
    });
  });
}
