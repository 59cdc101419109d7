import type { SearchLatencyReport } from '@faceshard/contracts';
import type { SearchLatencyBeat } from '@faceshard/messaging';

/** A gateway's report older than this is not about the move's current pace (they come every 250 ms). */
export const SEARCH_LATENCY_FRESH_MS = 1000;

/**
 * The latest search latency report of each gateway (apps/gateway SearchLatencyReporter), as a
 * coordinator hears them: what its latency pacing decides by. A gateway that stopped reporting
 * (no searches, gone) drops out after SEARCH_LATENCY_FRESH_MS.
 */
export class GatewaySearchLatencies {
  private readonly latest = new Map<string, { report: SearchLatencyReport; at: number }>();

  heard(beat: SearchLatencyBeat, now: number): void {
    const { gatewayId, ...report } = beat;
    this.latest.set(gatewayId, { report, at: now });
  }

  /** Every gateway's report heard in the last SEARCH_LATENCY_FRESH_MS before `now`. */
  recent(now: number): SearchLatencyReport[] {
    const fresh: SearchLatencyReport[] = [];
    for (const [gatewayId, { report, at }] of this.latest) {
      if (now - at <= SEARCH_LATENCY_FRESH_MS) fresh.push(report);
      else this.latest.delete(gatewayId);
    }
    return fresh;
  }
}
