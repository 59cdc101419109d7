/** What one `enroll` run did, counted as it goes. */
export interface EnrollTally {
  /** Photos the folder plan holds. */
  planned: number;
  /** Already in the journal when the run started (skipped). */
  alreadyDone: number;
  enrolled: number;
  /** Of `enrolled`: photos the server already had under their externalId (answered, not stored again). */
  alreadyOnServer: number;
  /** Failures by error code (NO_FACE, IMAGE_INVALID, …). */
  failed: Map<string, number>;
  elapsedMs: number;
  interrupted: boolean;
}

export const failedCount = (tally: EnrollTally) => [...tally.failed.values()].reduce((a, b) => a + b, 0);

/** Photos per second over the run's own work (journal skips excluded). */
export function enrollRate(tally: EnrollTally): number {
  return tally.elapsedMs > 0 ? ((tally.enrolled + failedCount(tally)) * 1000) / tally.elapsedMs : 0;
}

/** The closing report, one fact per line; how to go on when there is something left. */
export function formatSummary(tally: EnrollTally, files: { journal: string; failures?: string }): string {
  const failed = failedCount(tally);
  const left = tally.planned - tally.alreadyDone - tally.enrolled - failed;
  const lines = [
    tally.interrupted ? 'enroll interrupted' : 'enroll finished',
    `  enrolled now       ${tally.enrolled}`,
    `  already enrolled   ${tally.alreadyDone} (from the journal ${files.journal})`,
    ...(tally.alreadyOnServer ? [`  already on server  ${tally.alreadyOnServer} of those enrolled now (same externalId: not stored twice)`] : []),
    `  failed             ${failed}${failed ? ` (${[...tally.failed].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ')})` : ''}`,
  ];
  if (left > 0) lines.push(`  not attempted      ${left}`);
  lines.push(`  time               ${(tally.elapsedMs / 1000).toFixed(1)} s, ${enrollRate(tally).toFixed(1)} photos/s`);
  if (failed && files.failures) lines.push(`  failures listed in ${files.failures}`);
  if (left > 0) lines.push('run the same command again to resume: finished photos are skipped');
  return lines.join('\n');
}

/** One TSV line per failed photo: path, identity, code, message (tabs and newlines flattened). */
export function formatFailures(failures: { path: string; identityId: string; code: string; message: string }[]): string {
  const clean = (s: string) => s.replace(/[\t\r\n]+/g, ' ');
  return ['path\tidentityId\tcode\tmessage', ...failures.map((f) => [f.path, f.identityId, f.code, f.message].map(clean).join('\t'))].join('\n') + '\n';
}
