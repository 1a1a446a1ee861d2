import type { Logger } from 'pino';
import type { EngineContext } from '../engine/engine-context.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { buildReport } from '../report/build-report.js';

export interface ReportTimer {
  /** Stops the timer and waits for the report in hand. */
  stop(): Promise<void>;
}

/**
 * Runs the report now and every `intervalSeconds` to refresh the overdue/oldest metrics. A failed
 * report leaves its metrics stale and says so (`reportFailed`): it never stops the worker.
 */
export function startReportTimer(ctx: EngineContext, metrics: WorkerMetrics, intervalSeconds: number, logger: Logger): ReportTimer {
  let reporting: Promise<unknown> = Promise.resolve();
  const refresh = () => {
    reporting = buildReport(ctx)
      .then((report) => metrics.setReport(report))
      .catch((err) => {
        logger.warn({ err }, 'the report failed; its metrics are stale');
        metrics.reportFailed(new Date());
      });
  };
  refresh();
  const timer = setInterval(refresh, intervalSeconds * 1000);
  return {
    async stop() {
      clearInterval(timer);
      await reporting;
    },
  };
}
