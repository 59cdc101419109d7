import type { Logger } from '@faceshard/observability';

/**
 * The shard store's reports (a failed write's reload, graph upkeep, a WAL salvage) as lines of the
 * shard's own log, with its level, time, role and shardId, instead of raw lines on stderr. The
 * store writes JSON objects (`{event: 'store', message, ...}`) and, for a salvage, one loud line
 * of text ending in its JSON report: both are warnings an operator must see, the salvage an error.
 */
export function storeLogLine(log: Pick<Logger, 'warn' | 'error'>): (line: string) => void {
  return (line) => {
    const parsed = parseObject(line);
    if (parsed) {
      const { message, ...fields } = parsed;
      log.warn({ ...fields, event: fields.event ?? 'store' }, typeof message === 'string' ? message : 'store');
      return;
    }
    // A salvage: its text, then its report as JSON from `{"event"` on.
    const at = line.indexOf('{"event"');
    const report = at >= 0 ? parseObject(line.slice(at)) : null;
    log.error(report ?? { event: 'store' }, report ? line.slice(0, at).trim() : line);
  };
}

function parseObject(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
