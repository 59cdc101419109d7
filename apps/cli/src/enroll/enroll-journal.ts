import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One line of the journal: this photo (by externalId) is enrolled in this collection. */
export interface JournalEntry {
  collection: string;
  externalId: string;
  identityId: string;
  faceId: string;
}

/**
 * What `enroll` has finished, so a run stopped by Ctrl-C (or a crash) resumes where it was.
 * JSON lines, appended as each photo is acknowledged. The journal only saves work: a photo
 * enrolled but not yet journalled when the run stopped is sent again, and the server's
 * externalId idempotency answers with the same face instead of storing a second one.
 */
export class EnrollJournal {
  private constructor(
    readonly path: string,
    private readonly collection: string,
    private readonly done: Map<string, string>,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string, collection: string): Promise<EnrollJournal> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'a');
    // A line torn by a crash ends without a newline: start the next entry on a line of its own.
    if (text.length > 0 && !text.endsWith('\n')) await handle.appendFile('\n');
    return new EnrollJournal(path, collection, parseJournal(text, collection), handle);
  }

  has(externalId: string): boolean {
    return this.done.has(externalId);
  }

  get size(): number {
    return this.done.size;
  }

  async record(entry: Omit<JournalEntry, 'collection'>): Promise<void> {
    this.done.set(entry.externalId, entry.faceId);
    // One write per line on an O_APPEND handle: concurrent records never interleave.
    await this.handle.appendFile(JSON.stringify({ collection: this.collection, ...entry }) + '\n');
  }

  async close(): Promise<void> {
    await this.handle.sync().catch(() => undefined);
    await this.handle.close();
  }
}

/** externalId -> faceId of this collection's entries; lines that do not parse (a torn last line) are ignored. */
export function parseJournal(text: string, collection: string): Map<string, string> {
  const done = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: Partial<JournalEntry>;
    try {
      entry = JSON.parse(line) as Partial<JournalEntry>;
    } catch {
      continue;
    }
    if (entry.collection === collection && typeof entry.externalId === 'string' && typeof entry.faceId === 'string') {
      done.set(entry.externalId, entry.faceId);
    }
  }
  return done;
}
