/**
 * V8's sampling profiler on this thread, in-process (node:inspector), so a long event-loop gap can
 * be read as "which function was running": the samples taken inside the gap, grouped by their top
 * frame. Sample times are on the monotonic clock (µs), the clock of process.hrtime. A gap with
 * few samples for its length had the thread off the CPU (the sampler's signal is handled only
 * when the thread runs).
 */
import { Session } from 'node:inspector';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  frame: string;
  samples: number;
}

export interface MainThreadProfile {
  /** Top frames of the samples taken in [fromMs, toMs] (ms on the probes' clock), most frequent first. */
  topFrames(fromMs: number, toMs: number, limit?: number): { samples: number; frames: FrameShare[] };
}

const post = <T>(session: Session, method: string, params?: object): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split('/').slice(-2).join('/');
  return file ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}` : functionName || '(native)';
}

/** A sample's top frame, and for a native one (no script) the nearest script frame that called it. */
function sampleNames(nodes: ProfileNode[]): Map<number, string> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const names = new Map<number, string>();
  for (const node of nodes) {
    let name = frameName(node);
    const special = ['(program)', '(idle)', '(garbage collector)', '(root)'].includes(node.callFrame.functionName);
    if (!node.callFrame.url && !special) {
      for (let up = parent.get(node.id); up !== undefined; up = parent.get(up)) {
        const caller = byId.get(up);
        if (caller?.callFrame.url) {
          name += ` < ${frameName(caller)}`;
          break;
        }
      }
    }
    names.set(node.id, name);
  }
  return names;
}

/**
 * Starts the profiler (sampling every `intervalUs`); `toProbeMs` maps monotonic ms to the
 * probes' time base. stop() returns the profile's lookup.
 */
export async function startMainThreadProfile(intervalUs: number, toProbeMs: (monotonicMs: number) => number): Promise<{ stop(): Promise<MainThreadProfile> }> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: intervalUs });
  await post(session, 'Profiler.start');
  return {
    async stop() {
      const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
      session.disconnect();
      const names = sampleNames(profile.nodes);
      const times: number[] = [];
      let at = profile.startTime;
      for (const delta of profile.timeDeltas) {
        at += delta;
        times.push(toProbeMs(at / 1000));
      }
      return {
        topFrames(fromMs, toMs, limit = 3) {
          const counts = new Map<string, number>();
          let samples = 0;
          for (let i = 0; i < times.length; i++) {
            if (times[i] < fromMs || times[i] > toMs) continue;
            const name = names.get(profile.samples[i]) ?? '?';
            counts.set(name, (counts.get(name) ?? 0) + 1);
            samples++;
          }
          const frames = [...counts].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([frame, n]) => ({ frame, samples: n }));
          return { samples, frames };
        },
      };
    },
  };
}
