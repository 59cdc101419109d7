import { FaceshardError } from '@faceshard/contracts';
import type { Logger, ShardOpRecorder } from '@faceshard/observability';
import type { ShardConfig } from '../config/shard-config';
import { ShardAdmission } from './shard-admission';

/**
 * Admission control that also reports every request it passes: one metrics sample (op,
 * outcome, time including the wait for a slot), refusals by gate and reason, and a debug log
 * line (it runs in the request's scope, so the line carries the gateway's request id).
 * Everything on the request path is a clock read and pre-bound counters; the log line is
 * only built when debug is on.
 */
export class ObservedShardAdmission extends ShardAdmission {
  constructor(
    limits: ShardConfig['admission'],
    private readonly ops: ShardOpRecorder | undefined,
    private readonly log: Logger,
  ) {
    super(limits);
  }

  override run<T>(op: string, deadline: number | undefined, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    return super.run(op, deadline, work).then(
      (result) => {
        this.report(op, 'ok', started);
        return result;
      },
      (error: unknown) => {
        const code = error instanceof FaceshardError ? error.code : 'INTERNAL';
        this.report(op, code, started);
        if (code === 'BUSY' || code === 'DEADLINE_EXCEEDED') this.ops?.rejected(this.gateFor(op).name, code === 'BUSY' ? 'busy' : 'deadline');
        if (code === 'INTERNAL') this.log.error({ op, err: error }, 'shard op failed');
        throw error;
      },
    );
  }

  private report(op: string, outcome: string, started: number): void {
    const ms = performance.now() - started;
    this.ops?.record(op, outcome, ms / 1000);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ op, outcome, ms: Math.round(ms * 1000) / 1000 }, 'shard op');
  }
}
