/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and ranks functions by self time,
 * optionally only over a window of the recording (e.g. the timed search pass, leaving out
 * start-up and inserts). Pure apart from the CLI at the bottom.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  /** Microseconds, monotonic clock. */
  startTime: number;
  endTime: number;
  samples: number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

export interface SelfTimeEntry {
  /** "function (file:line)"; V8's own categories as they are: (program), (garbage collector), (idle). */
  name: string;
  selfMs: number;
  /** Share of the window's non-idle time. */
  share: number;
}

/**
 * Self time per function over [fromUs, toUs] (absolute profile times; default the whole
 * recording). A sample counts for the time until the next one. (idle) is left out of the shares:
 * they are shares of the time the thread was busy.
 */
export function selfTimeRanking(profile: CpuProfile, window: { fromUs?: number; toUs?: number } = {}): SelfTimeEntry[] {
  const nameOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = functionName || '(anonymous)';
    nameOf.set(node.id, url ? `${fn} (${shortUrl(url)}:${lineNumber + 1})` : fn);
  }
  const from = window.fromUs ?? -Infinity;
  const to = window.toUs ?? Infinity;
  const totals = new Map<string, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const next = i + 1 < profile.samples.length ? t + profile.timeDeltas[i + 1] : profile.endTime;
    if (t < from || t > to) continue;
    const name = nameOf.get(profile.samples[i]) ?? '(unknown)';
    totals.set(name, (totals.get(name) ?? 0) + Math.max(0, next - t));
  }
  let busy = 0;
  for (const [name, us] of totals) if (name !== '(idle)') busy += us;
  return [...totals]
    .filter(([name]) => name !== '(idle)')
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: busy > 0 ? us / busy : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

/** node_modules/<pkg>/… and dist/… paths shortened to what identifies them. */
function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  const dist = path.indexOf('/dist/');
  return dist >= 0 ? path.slice(dist + '/dist/'.length) : path;
}

/**
 * `node dist/bench/cluster/cpu-profile.js FILE.cpuprofile... [--last-seconds S | --from-s A --to-s B] [--top N]`
 * --from-s/--to-s: seconds since the recording started (node names the file by that wall-clock
 * time, CPU.<date>.<HHMMSS>.<pid>…, so the bench log's timestamps give the timed pass's window).
 */
function main(argv: string[]): void {
  const valued = ['--last-seconds', '--top', '--from-s', '--to-s'];
  const files = argv.filter((a, i) => !a.startsWith('--') && !valued.includes(argv[i - 1]));
  const flag = (name: string): number | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const lastSeconds = flag('--last-seconds');
  const top = flag('--top') ?? 15;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const fromS = flag('--from-s');
    const toS = flag('--to-s');
    const fromUs = lastSeconds !== undefined ? profile.endTime - lastSeconds * 1e6 : fromS !== undefined ? profile.startTime + fromS * 1e6 : undefined;
    const toUs = toS !== undefined ? profile.startTime + toS * 1e6 : undefined;
    const ranking = selfTimeRanking(profile, { fromUs, toUs });
    const busyMs = ranking.reduce((s, e) => s + e.selfMs, 0);
    const window = lastSeconds !== undefined ? ` in the last ${lastSeconds} s` : fromS !== undefined || toS !== undefined ? ` from ${fromS ?? 0} s to ${toS ?? 'the end'}` : '';
    console.log(`${basename(file)}: ${(busyMs / 1000).toFixed(1)} s busy${window}`);
    for (const e of ranking.slice(0, top)) console.log(`  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.selfMs.toFixed(0).padStart(7)} ms  ${e.name}`);
  }
}

if (require.main === module) main(process.argv.slice(2));
