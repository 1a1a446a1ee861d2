import { MultiBar, type SingleBar } from 'cli-progress';
import { estimateProgress, formatDuration, formatRate } from '../../engine/progress-estimate.js';
import type { TargetProgress, TargetProgressListener } from '../../engine/target-progress.js';
import type { LiveDisplay, TerminalSink } from './terminal-sink.js';

const BAR_WIDTH = 24;

/**
 * `retention run` on a terminal: one live line per target (deleted so far, rate, elapsed, and a
 * bar with an ETA once the due count is known), drawn by cli-progress on stderr. Asks the engine
 * for the due count, so the ETA is there from the first batch. Log lines print above the bars.
 */
export class TerminalProgress implements TargetProgressListener, LiveDisplay {
  readonly wantsDueCount = true;
  private readonly multibar: MultiBar;
  private readonly bars = new Map<string, SingleBar>();

  constructor(private readonly sink: TerminalSink) {
    this.multibar = new MultiBar({
      stream: sink.stream,
      format: (_options, _params, payload: { line: string }) => payload.line,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      gracefulExit: false,
      fps: 5,
    });
    sink.attach(this);
  }

  /** A log line: above the bars while they are drawn (flushed at the next redraw), straight out otherwise. */
  log(text: string): void {
    if (this.multibar.isActive) this.multibar.log(text);
    else this.sink.stream.write(text);
  }

  onProgress(p: TargetProgress): void {
    const key = `${p.policy}\u0000${p.store}\u0000${p.target}`;
    const payload = { line: describe(p) };
    let bar = this.bars.get(key);
    if (!bar) {
      bar = this.multibar.create(p.due ?? 0, p.deleted, payload);
      this.bars.set(key, bar);
    }
    if (p.due !== null) bar.setTotal(p.due);
    bar.update(p.deleted, payload);
  }

  /** Draws the final state, restores the cursor and hands stderr back to plain writes. */
  stop(): void {
    // One last redraw flushes the log lines buffered since the previous one, above the final bars.
    if (this.multibar.isActive) this.multibar.update();
    this.multibar.stop();
    this.sink.detach();
  }
}

/** One target's line: `log-data mysql:im_request_log  [████░░░░] 52%  deleted 520,000 of 1,000,000  121.4k/s  0:04  ETA 0:04`. */
export function describe(p: TargetProgress): string {
  const { ratePerSecond, etaSeconds, fraction } = estimateProgress(p);
  const name = `${p.policy} ${p.store}:${p.target}`;
  const elapsed = formatDuration(p.elapsedMs / 1000);
  if (p.phase === 'counting') return `${name}  counting due records…  ${elapsed}`;
  const count =
    p.due === null
      ? `deleted ${p.deleted.toLocaleString('en-US')}`
      : `deleted ${p.deleted.toLocaleString('en-US')} of ${p.due.toLocaleString('en-US')}`;
  const bar =
    fraction === null
      ? ''
      : `[${'█'.repeat(Math.round(fraction * BAR_WIDTH)).padEnd(BAR_WIDTH, '░')}] ${String(Math.floor(fraction * 100)).padStart(3)}%  `;
  const tail = p.phase === 'done' ? `  ${p.status ?? 'done'}` : etaSeconds === null ? '' : `  ETA ${formatDuration(etaSeconds)}`;
  return `${name}  ${bar}${count}  ${formatRate(ratePerSecond)}  ${elapsed}${tail}`;
}
