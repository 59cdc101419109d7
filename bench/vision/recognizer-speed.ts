/**
 * Recognizer latency and throughput under different onnxruntime thread settings.
 *
 *   npx tsx bench/vision/recognizer-speed.ts            (or node dist/bench/vision/recognizer-speed.js after a build)
 *
 * For each setting: single-face latency (median of sequential embed([crop]) calls), one batch of 8
 * (ms per face), throughput of 32 single-face requests fired at once (faces/s) and the longest
 * event-loop stall meanwhile (what other requests on the same process wait). Content of the
 * crops does not change the work, so they are random pixels; no shared files needed except the
 * optional MobileFaceNet model (FACESHARD_SHARED_DIR or <repo>/../shared).
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DlibResNetRecognizer,
  OnnxArcFaceRecognizer,
  mobileFaceNetOptions,
  type OnnxSessionSettings,
} from '../../libs/vision/src/recognition';
import type { FaceRecognizer, RgbImage } from '../../libs/vision/src/types';

interface Setting {
  label: string;
  session: OnnxSessionSettings;
  workers: number;
}

// onnxruntime-node runs session.run synchronously on the calling thread, so "runs in flight" only
// exist with worker threads; in-process the choice is intra-op threads.
const SETTINGS: Setting[] = [
  { label: 'in-process, intraOp 1', session: { intraOpNumThreads: 1 }, workers: 0 },
  { label: 'in-process, intraOp 2', session: { intraOpNumThreads: 2 }, workers: 0 },
  { label: '1 worker, intraOp 1', session: { intraOpNumThreads: 1 }, workers: 1 },
  { label: '2 workers, intraOp 1', session: { intraOpNumThreads: 1 }, workers: 2 },
];

function randomCrop(size: number, seed: number): RgbImage {
  const data = new Uint8Array(size * size * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { data, width: size, height: size };
}

/**
 * Longest gap between consecutive 1 ms timer ticks, minus the 1 ms: how long another request on
 * this process would have waited for the event loop. (monitorEventLoopDelay misses a stall that
 * ends right before it is read, which is exactly the pattern here; a setImmediate loop would burn
 * a core and slow the workers it measures.)
 */
function startTicker(): { stop: () => Promise<number> } {
  let last = performance.now();
  let worst = 0;
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
    if (running) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  return {
    stop: async () => {
      await new Promise((r) => setTimeout(r, 3)); // let the ticker see the end of the last stall
      running = false;
      return worst;
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Figures {
  single: number;
  batchPerFace: number;
  throughput: number;
  /** Longest event-loop stall while the 32 concurrent requests ran. */
  stall: number;
}

async function measure(rec: FaceRecognizer): Promise<Figures> {
  const crops = Array.from({ length: 32 }, (_, i) => randomCrop(rec.inputSize, i + 1));
  for (let i = 0; i < 5; i++) await rec.embed([crops[i]]); // warm-up
  const singles: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    await rec.embed([crops[i % crops.length]]);
    singles.push(performance.now() - t);
  }
  const batches: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await rec.embed(crops.slice(0, 8));
    batches.push((performance.now() - t) / 8);
  }
  const throughputs: number[] = [];
  const stalls: number[] = [];
  for (let i = 0; i < 3; i++) {
    const ticker = startTicker();
    const t = performance.now();
    await Promise.all(crops.map((c) => rec.embed([c])));
    throughputs.push((crops.length / (performance.now() - t)) * 1000);
    stalls.push(await ticker.stop());
  }
  return { single: median(singles), batchPerFace: median(batches), throughput: median(throughputs), stall: median(stalls) };
}

const ROUNDS = 3;

async function main(): Promise<void> {
  const shared = process.env.FACESHARD_SHARED_DIR ?? resolve(__dirname, '../../../shared');
  const mobileFaceNet = join(shared, 'models/mobilefacenet_112.onnx');
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores, shared machine)`);
  // Other processes share the cores, so settings are interleaved over several rounds and each
  // figure is the best round (the least disturbed one), not an average of disturbances.
  const best = new Map<string, Figures>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const setting of SETTINGS) {
      const recognizers: Array<() => Promise<FaceRecognizer>> = [
        () => DlibResNetRecognizer.create({ session: setting.session, workers: setting.workers }),
      ];
      if (existsSync(mobileFaceNet)) {
        recognizers.push(() =>
          OnnxArcFaceRecognizer.create({ ...mobileFaceNetOptions(mobileFaceNet), session: setting.session, workers: setting.workers }),
        );
      }
      for (const open of recognizers) {
        const rec = await open();
        const r = await measure(rec);
        await rec.close();
        const key = `${rec.name.padEnd(14)} | ${setting.label.padEnd(40)}`;
        const b = best.get(key);
        best.set(
          key,
          b
            ? {
                single: Math.min(b.single, r.single),
                batchPerFace: Math.min(b.batchPerFace, r.batchPerFace),
                throughput: Math.max(b.throughput, r.throughput),
                stall: Math.min(b.stall, r.stall),
              }
            : r,
        );
      }
    }
  }
  console.log(`best of ${ROUNDS} rounds`);
  console.log(`${'recognizer'.padEnd(14)} | ${'setting'.padEnd(40)} | single ms | batch-8 ms/face | 32 concurrent faces/s | event-loop stall ms`);
  for (const [key, r] of [...best].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`${key} | ${r.single.toFixed(2).padStart(9)} | ${r.batchPerFace.toFixed(2).padStart(15)} | ${r.throughput.toFixed(0).padStart(21)} | ${r.stall.toFixed(1).padStart(19)}`);
  }
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
