import type { ResolvedConfig } from '../config/load-config.js';
import type { OpenEngine } from '../engine/open-engine.js';
import { targetName } from '../engine/target-result.js';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { longestCronGap } from '../report/cron-period.js';

/**
 * The worker's metrics, every enabled policy's and target's series there from the start (a
 * policy that never ran shows 0, not nothing), and each checkpoint sink's failures counted.
 */
export function createWorkerMetrics(config: ResolvedConfig, engine: OpenEngine): WorkerMetrics {
  const metrics = new WorkerMetrics();
  if (engine.checkpoints) {
    metrics.declareCheckpointSinks(engine.checkpoints.sinkNames);
    engine.checkpoints.onSinkFailure((sink) => metrics.checkpointSinkFailed(sink));
  }
  metrics.trackPolicies(
    config.policies
      .filter((p) => p.enabled)
      .map((p) => ({
        name: p.name,
        periodSeconds: Math.round(longestCronGap(p.schedule.cron, config.timezone, engine.ctx.clock.now()) / 1000),
        targets: p.targets.map((t) => ({ store: t.store, target: targetName(t) })),
      })),
  );
  return metrics;
}
