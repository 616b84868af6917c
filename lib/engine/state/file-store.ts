import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ErrorCode, HybridError } from '../../core/errors';
import { applyRecords, assertIntegrity } from './records';
import { JournalRecord, LockInfo, StateSnapshot, StateStore } from './types';

const SNAPSHOT = 'state.json';
const BACKUP = 'state.json.bak';
const JOURNAL = 'journal.ndjson';
const LOCK = 'lock';

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded default store: `.hybrid/<stack>/` beside the program. A snapshot written by temp
 * file + fsync + rename (the previous one kept as a backup), an append-only journal of fsynced
 * lines each with its own checksum, and a lock file created exclusively.
 */
export class FileStateStore implements StateStore {
  public bytesWritten = 0;
  private journalFd: number | undefined;

  constructor(public readonly directory: string) {}

  public get location(): string {
    return this.directory;
  }

  private file(name: string): string {
    return path.join(this.directory, name);
  }

  public async lock(info: LockInfo): Promise<{ release(): Promise<void>; tookOverFrom?: LockInfo }> {
    fs.mkdirSync(this.directory, { recursive: true });
    const lockPath = this.file(LOCK);
    const content = JSON.stringify(info, null, 2) + '\n';
    let tookOverFrom: LockInfo | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(lockPath, 'wx', 0o644);
        fs.writeSync(fd, content);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        return {
          tookOverFrom,
          release: async () => {
            // Only remove the lock if it is still ours.
            const current = this.readLockSync();
            if (current && current.pid === info.pid && current.time === info.time && current.host === info.host) fs.rmSync(lockPath, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = this.readLockSync();
      if (holder && (holder.host !== os.hostname() || isAlive(holder.pid))) {
        throw new HybridError(
          ErrorCode.StateLocked,
          `stack state at ${this.directory} is locked by ${holder.holder} on ${holder.host} (pid ${holder.pid}) running '${holder.operation}' since ${holder.time}; ` +
            'wait for it to finish, or if that process is gone run `hybrid state unlock`',
        );
      }
      // The holder died on this host (or the lock is unreadable): take it over. Renaming is atomic,
      // so of two runs taking over at once only one moves the stale lock away.
      const stale = `${lockPath}.stale-${process.pid}`;
      try {
        fs.renameSync(lockPath, stale);
      } catch {
        continue;
      }
      const moved = readJson<LockInfo>(stale);
      if (holder && moved && (moved.pid !== holder.pid || moved.time !== holder.time)) {
        // Someone took the lock between our read and our rename: put it back and give up.
        try { fs.linkSync(stale, lockPath); } catch { /* the lock is held anyway */ }
        fs.rmSync(stale, { force: true });
        throw new HybridError(ErrorCode.StateLocked, `stack state at ${this.directory} was locked by another run just now (pid ${moved.pid}); try again when it finishes`);
      }
      fs.rmSync(stale, { force: true });
      tookOverFrom = holder;
    }
    throw new HybridError(ErrorCode.StateLocked, `could not take the lock at ${lockPath}; run \`hybrid state unlock\` if no other run is active`);
  }

  private readLockSync(): LockInfo | undefined {
    return readJson<LockInfo>(this.file(LOCK));
  }

  public async readLock(): Promise<LockInfo | undefined> {
    return this.readLockSync();
  }

  public async forceUnlock(): Promise<void> {
    fs.rmSync(this.file(LOCK), { force: true });
  }

  public async load(): Promise<StateSnapshot | undefined> {
    const snapshotPath = this.file(SNAPSHOT);
    let snapshot: StateSnapshot | undefined;
    if (fs.existsSync(snapshotPath)) snapshot = this.readSnapshot(snapshotPath);
    const journal = this.readJournal(snapshot?.serial ?? 0);
    if (!snapshot && journal.records.length === 0) return undefined;
    if (!snapshot) {
      throw new HybridError(ErrorCode.StateCorrupt, `${this.file(JOURNAL)} has records but ${snapshotPath} is missing; restore it from ${BACKUP}`);
    }
    const state = applyRecords(snapshot, journal.records);
    assertIntegrity(state, this.directory);
    return state;
  }

  private readSnapshot(snapshotPath: string): StateSnapshot {
    const text = fs.readFileSync(snapshotPath, 'utf8');
    let parsed: { checksum: string; state: StateSnapshot };
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new HybridError(ErrorCode.StateCorrupt, `${snapshotPath} is not valid JSON; restore it from ${BACKUP}`, { cause: error });
    }
    if (!parsed || typeof parsed.state !== 'object' || checksum(JSON.stringify(parsed.state)) !== parsed.checksum) {
      throw new HybridError(ErrorCode.StateCorrupt, `${snapshotPath} fails its checksum; restore it from ${BACKUP}`);
    }
    return parsed.state;
  }

  /** Journal lines for the given snapshot serial; a torn last line (crash mid-write) is ignored. */
  private readJournal(serial: number): { records: JournalRecord[] } {
    const journalPath = this.file(JOURNAL);
    if (!fs.existsSync(journalPath)) return { records: [] };
    const lines = fs.readFileSync(journalPath, 'utf8').split('\n');
    let last = lines.length - 1;
    while (last >= 0 && lines[last].length === 0) last--;
    const records: JournalRecord[] = [];
    lines.forEach((line, index) => {
      if (line.length === 0) return;
      const entry = parseJournalLine(line);
      if (!entry) {
        if (index === last) return;
        throw new HybridError(ErrorCode.StateCorrupt, `${journalPath} line ${index + 1} is damaged; move the journal aside to fall back to the last snapshot`);
      }
      if (entry.serial === serial) records.push(...entry.records);
    });
    return { records };
  }

  /**
   * Opens the journal for appending. A last line torn by a crash is cut off first: load ignores
   * it as the last line, but once more lines follow it would read as damage in the middle.
   */
  private openJournal(): number {
    const journalPath = this.file(JOURNAL);
    if (fs.existsSync(journalPath)) {
      const text = fs.readFileSync(journalPath, 'utf8');
      const body = text.endsWith('\n') ? text.slice(0, -1) : text;
      const lastStart = body.lastIndexOf('\n') + 1;
      if (body.length > 0 && (!text.endsWith('\n') || !parseJournalLine(body.slice(lastStart)))) {
        fs.truncateSync(journalPath, Buffer.byteLength(body.slice(0, lastStart)));
      }
    }
    return fs.openSync(journalPath, 'a', 0o600);
  }

  public async append(serial: number, records: ReadonlyArray<JournalRecord>): Promise<void> {
    if (records.length === 0) return;
    if (this.journalFd === undefined) {
      fs.mkdirSync(this.directory, { recursive: true });
      this.journalFd = this.openJournal();
    }
    // The same text as JSON.stringify({ serial, checksum, records }), with the records serialized
    // once. The checksum covers the serial too: a damaged serial must not move records to another snapshot.
    const body = JSON.stringify(records);
    const line = `{"serial":${JSON.stringify(serial)},"checksum":"${checksum(`${serial}\n${body}`)}","records":${body}}\n`;
    const bytes = Buffer.from(line);
    fs.writeSync(this.journalFd, bytes);
    fs.fdatasyncSync(this.journalFd);
    this.bytesWritten += bytes.length;
  }

  public async writeSnapshot(snapshot: StateSnapshot): Promise<void> {
    assertIntegrity(snapshot, this.directory);
    fs.mkdirSync(this.directory, { recursive: true });
    const snapshotPath = this.file(SNAPSHOT);
    if (fs.existsSync(snapshotPath)) {
      const current = this.readSnapshot(snapshotPath);
      if (current.lineage !== snapshot.lineage) {
        throw new HybridError(ErrorCode.StateCorrupt, `refusing to overwrite state of lineage ${current.lineage} with lineage ${snapshot.lineage} at ${snapshotPath}`);
      }
      if (snapshot.serial <= current.serial) {
        throw new HybridError(ErrorCode.StateMoved, `refusing to write serial ${snapshot.serial} over serial ${current.serial} at ${snapshotPath}; another run changed the state`);
      }
      writeFileDurably(this.file(BACKUP), fs.readFileSync(snapshotPath));
    }
    const body = JSON.stringify({ checksum: checksum(JSON.stringify(snapshot)), state: snapshot }, null, 1) + '\n';
    writeFileDurably(snapshotPath, Buffer.from(body));
    this.bytesWritten += body.length;
    // The journal's records are now in the snapshot (their serial is older): start it afresh.
    if (this.journalFd !== undefined) {
      fs.closeSync(this.journalFd);
      this.journalFd = undefined;
    }
    fs.rmSync(this.file(JOURNAL), { force: true });
  }

  /** Closes the journal file (end of a run). */
  public close(): void {
    if (this.journalFd !== undefined) fs.closeSync(this.journalFd);
    this.journalFd = undefined;
  }
}

/**
 * A journal line's entry, or undefined when the line is torn or fails its checksum. The checksum
 * covers `<serial>\n<records>`; lines written before it did (records only) are still accepted.
 */
function parseJournalLine(line: string): { serial: number; checksum: string; records: JournalRecord[] } | undefined {
  try {
    const entry = JSON.parse(line);
    if (!entry || !Array.isArray(entry.records) || !Number.isInteger(entry.serial)) return undefined;
    const body = JSON.stringify(entry.records);
    return checksum(`${entry.serial}\n${body}`) === entry.checksum || checksum(body) === entry.checksum ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a file so that after a crash it holds either the old or the new content, never a mix. */
export function writeFileDurably(target: string, content: Buffer | string, mode = 0o600): void {
  const temporary = `${target}.tmp-${process.pid}`;
  const fd = fs.openSync(temporary, 'w', mode);
  try {
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, target);
  const directory = fs.openSync(path.dirname(target), 'r');
  try {
    fs.fsyncSync(directory);
  } finally {
    fs.closeSync(directory);
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
