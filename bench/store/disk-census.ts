/**
 * What the store's disk did while a phase ran, to tell a slow log fdatasync caused by our own
 * background writes from one caused by other processes or the device: a separate, niced process
 * reads the device's counters in /proc/diskstats every 2 ms (sectors written, discards, flushes,
 * requests in flight, time spent) and every process's /proc/<pid>/io `write_bytes` (bytes it caused
 * to be written, counted when it dirtied the pages) every 100 ms. Times on CLOCK_MONOTONIC, as the
 * other probes' (stall-probes.ts). Linux only; elsewhere the census reports nothing.
 */
import { readFileSync, statSync } from 'node:fs';
import { setPriority } from 'node:os';
import { startProbeChild } from './probe-child';

/** [monotonic ms, sectors written, writes completed, in flight, discards completed, sectors discarded, flushes completed, ms discarding, ms flushing] */
export type DiskSample = [number, number, number, number, number, number, number, number, number];
/** [monotonic ms, pid, command, bytes written since the previous sample] (only processes that wrote). */
export type ProcessWrite = [number, number, string, number];

export interface DiskCensus {
  device: string;
  disk: DiskSample[];
  writes: ProcessWrite[];
}

const CENSUS_SOURCE = `
const fs = require('fs');
const [device, parent] = [process.argv[1], Number(process.argv[2])];
const now = () => Number(process.hrtime.bigint()) / 1e6;
const disk = [];
const writes = [];
function readDisk() {
  const text = fs.readFileSync('/proc/diskstats', 'utf8');
  const at = text.indexOf(' ' + device + ' ');
  if (at < 0) return;
  const f = text.slice(at + device.length + 2, text.indexOf('\\n', at)).trim().split(/\\s+/).map(Number);
  // after the name: 0 reads, 1 merged, 2 sectors read, 3 ms reading, 4 writes, 5 merged, 6 sectors written, 7 ms writing,
  // 8 in flight, 9 ms doing I/O, 10 weighted, 11 discards, 12 merged, 13 sectors discarded, 14 ms discarding, 15 flushes, 16 ms flushing
  disk.push([now(), f[6], f[4], f[8], f[11] || 0, f[13] || 0, f[15] || 0, f[14] || 0, f[16] || 0]);
}
const last = new Map();
function readProcesses(record) {
  const at = now();
  for (const name of fs.readdirSync('/proc')) {
    if (name.charCodeAt(0) > 57) continue;
    const pid = Number(name);
    try {
      const io = fs.readFileSync('/proc/' + name + '/io', 'utf8');
      const m = /write_bytes: (\\d+)/.exec(io);
      if (!m) continue;
      const bytes = Number(m[1]);
      const before = last.get(pid);
      last.set(pid, bytes);
      if (!record || before === undefined || bytes === before) continue;
      const comm = pid === parent ? 'this bench' : fs.readFileSync('/proc/' + name + '/comm', 'utf8').trim();
      writes.push([at, pid, comm, bytes - before]);
    } catch {}
  }
}
readDisk();
readProcesses(false);
const diskTimer = setInterval(readDisk, 2);
const processTimer = setInterval(() => readProcesses(true), 100);
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(diskTimer);
  clearInterval(processTimer);
  readDisk();
  readProcesses(true);
  process.stdout.write(JSON.stringify({ disk, writes }) + '\\n');
  process.exit(0);
});
`;

/** The block device that holds `path` (its name in /proc/diskstats), or null. */
export function deviceOf(path: string): string | null {
  try {
    const dev = statSync(path).dev;
    const [major, minor] = [Math.floor(dev / 256) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00)];
    for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (Number(f[0]) === major && Number(f[1]) === minor) return f[2];
    }
  } catch {
    // not Linux, or no such path
  }
  return null;
}

export interface RunningCensus {
  ready: Promise<void>;
  stop(): Promise<DiskCensus | null>;
}

export function startDiskCensus(device: string | null): RunningCensus {
  if (!device) return { ready: Promise.resolve(), stop: async () => null };
  const { child, ready, result } = startProbeChild<{ disk: DiskSample[]; writes: ProcessWrite[] }>(CENSUS_SOURCE, [device, String(process.pid)]);
  try {
    if (child.pid) setPriority(child.pid, 10); // an observer: never ahead of the bench for a CPU
  } catch {
    // not allowed: it runs at the bench's priority
  }
  return {
    ready,
    async stop() {
      child.stdin?.end();
      const recorded = await result;
      return recorded && { device, ...recorded };
    },
  };
}

export interface DiskWindow {
  /** MB the device wrote, and its write requests completed, in the window. */
  mbWritten: number;
  writes: number;
  discards: number;
  mbDiscarded: number;
  flushes: number;
  /** Device time spent discarding / flushing that completed in the window (ms; requests overlap). */
  msDiscarding: number;
  msFlushing: number;
  maxInFlight: number;
  /** MB dirtied by this bench and by others in the 100 ms samples overlapping the window (coarse). */
  oursMb: number;
  othersMb: number;
  topOthers: { process: string; mb: number }[];
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

/** The device's activity over [fromMs, toMs] (monotonic ms). */
export function diskWindow(census: DiskCensus, fromMs: number, toMs: number): DiskWindow | null {
  const { disk } = census;
  if (disk.length < 2) return null;
  let first = 0;
  while (first + 1 < disk.length && disk[first + 1][0] <= fromMs) first++;
  let last = first;
  while (last + 1 < disk.length && disk[last][0] < toMs) last++;
  const [a, b] = [disk[first], disk[last]];
  let maxInFlight = 0;
  for (let i = first; i <= last; i++) maxInFlight = Math.max(maxInFlight, disk[i][3]);
  const byProcess = new Map<string, number>();
  let oursBytes = 0;
  let othersBytes = 0;
  for (const [at, pid, comm, bytes] of census.writes) {
    if (at < fromMs || at - 100 > toMs) continue; // the sample's 100 ms ends at `at`
    if (comm === 'this bench') oursBytes += bytes;
    else {
      othersBytes += bytes;
      const key = `${comm} ${pid}`;
      byProcess.set(key, (byProcess.get(key) ?? 0) + bytes);
    }
  }
  return {
    mbWritten: mb((b[1] - a[1]) * 512),
    writes: b[2] - a[2],
    discards: b[4] - a[4],
    mbDiscarded: mb((b[5] - a[5]) * 512),
    flushes: b[6] - a[6],
    msDiscarding: b[7] - a[7],
    msFlushing: b[8] - a[8],
    maxInFlight,
    oursMb: mb(oursBytes),
    othersMb: mb(othersBytes),
    topOthers: [...byProcess.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([process, bytes]) => ({ process, mb: mb(bytes) })),
  };
}

export function describeDiskWindow(w: DiskWindow | null): string {
  if (!w) return '';
  const others = w.topOthers.filter((o) => o.mb > 0).map((o) => `${o.process} ${o.mb}`).join(', ');
  return (
    `disk: ${w.mbWritten} MB in ${w.writes} writes, ${w.flushes} flushes (${w.msFlushing} ms), ${w.discards} discards of ${w.mbDiscarded} MB (${w.msDiscarding} ms), ≤ ${w.maxInFlight} in flight; ` +
    `dirtied ~100 ms around: ours ${w.oursMb} MB, others ${w.othersMb} MB${others ? ` (${others})` : ''}`
  );
}
