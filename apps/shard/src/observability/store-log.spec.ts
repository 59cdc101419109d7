import { describe, expect, it } from 'vitest';
import { storeLogLine } from './store-log';

function recorder() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log = {
    warn: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'warn', fields, message }),
    error: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'error', fields, message }),
  };
  return { lines, log: log as never };
}

describe('storeLogLine: the store\'s reports as the shard\'s log lines', () => {
  it('a JSON report becomes a warning with its fields and its message', () => {
    const { lines, log } = recorder();
    storeLogLine(log)(JSON.stringify({ event: 'store', message: 'graph upkeep failed', collection: 'c', error: 'boom' }));
    expect(lines).toEqual([{ level: 'warn', fields: { event: 'store', collection: 'c', error: 'boom' }, message: 'graph upkeep failed' }]);
  });

  it('a salvage report (text, then its JSON) becomes an error carrying the report\'s fields', () => {
    const { lines, log } = recorder();
    storeLogLine(log)(`WAL SALVAGE: the write-ahead log was damaged. DROPPED 2 intact record(s). ${JSON.stringify({ event: 'wal-salvaged', droppedRecords: 2 })}`);
    expect(lines).toEqual([{ level: 'error', fields: { event: 'wal-salvaged', droppedRecords: 2 }, message: 'WAL SALVAGE: the write-ahead log was damaged. DROPPED 2 intact record(s).' }]);
  });

  it('any other line is kept whole, as an error', () => {
    const { lines, log } = recorder();
    storeLogLine(log)('something unexpected {not json');
    expect(lines).toEqual([{ level: 'error', fields: { event: 'store' }, message: 'something unexpected {not json' }]);
  });
});
