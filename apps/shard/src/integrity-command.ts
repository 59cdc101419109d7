import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ShardStore, type ShardIntegrityReport } from '@faceshard/index';

/**
 * Offline integrity check of a stopped shard's data folder:
 *   npm run integrity -- --data-dir <shard DATA_DIR> [--collection <name>] [--repair] [--ef <n>]
 * Opens the store (the data-folder lock refuses a folder a running shard holds), compares memory
 * with the snapshot + log it was recovered from, searches every face with its own vector, prints
 * the report as JSON on stdout. Exit 0: consistent (or repaired), 1: drift found, 2: could not run.
 * A repair here pins faces the graph cut off (a logged change, so it lasts).
 */
export function storeDirOf(dataDir: string): string {
  // A shard keeps its store under <DATA_DIR>/store; accept the store folder itself too.
  const nested = join(dataDir, 'store');
  return existsSync(join(nested, 'wal')) ? nested : dataDir;
}

export function exitCodeOf(report: ShardIntegrityReport): number {
  if (report.ok) return 0;
  const repairedAll = report.repaired && report.missingCollections.length === 0 && report.unexpectedCollections.length === 0;
  return repairedAll && report.collections.every((c) => c.ok || c.afterRepair?.ok) ? 0 : 1;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      collection: { type: 'string' },
      repair: { type: 'boolean', default: false },
      ef: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const dataDir = values['data-dir'];
  if (values.help || !dataDir) {
    process.stderr.write('usage: npm run integrity -- --data-dir <shard DATA_DIR> [--collection <name>] [--repair] [--ef <n>]\n');
    return values.help ? 0 : 2;
  }
  const ef = values.ef === undefined ? undefined : Number(values.ef);
  if (ef !== undefined && !(Number.isInteger(ef) && ef >= 1)) {
    process.stderr.write('--ef must be a positive integer\n');
    return 2;
  }
  const storeDir = storeDirOf(dataDir);
  if (!existsSync(join(storeDir, 'wal'))) {
    process.stderr.write(`${dataDir} holds no shard store (no wal/ folder)\n`);
    return 2;
  }
  // Upkeep off: the check reports what it finds; --repair decides what changes.
  const store = await ShardStore.open({ dataDir: storeDir, graphUpkeepIdleMs: 0 });
  try {
    const report = await store.integrityCheck({ collection: values.collection, repair: values.repair, ef });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return exitCodeOf(report);
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`integrity check failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
