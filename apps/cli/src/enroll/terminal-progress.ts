import { SingleBar } from 'cli-progress';
import { enrollRate, failedCount, type EnrollTally } from './enroll-summary';
import type { EnrollProgress } from './enroll-run';

/**
 * The progress bar on stderr (stdout stays clean for the summary): done/total, photos/s, ETA,
 * failures so far. cli-progress draws nothing when stderr is not a terminal.
 */
export class TerminalProgress implements EnrollProgress {
  private readonly bar = new SingleBar({
    format: 'enroll |{bar}| {percentage}% {value}/{total} | {rate} photos/s | ETA {eta_formatted} | failed {failed}',
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 50,
    fps: 5,
  });

  start(total: number, alreadyDone: number): void {
    this.bar.start(total, alreadyDone, { rate: '0.0', failed: 0 });
  }

  advance(tally: EnrollTally): void {
    this.bar.update(tally.alreadyDone + tally.enrolled + failedCount(tally), { rate: enrollRate(tally).toFixed(1), failed: failedCount(tally) });
  }

  stop(): void {
    this.bar.stop();
  }
}
