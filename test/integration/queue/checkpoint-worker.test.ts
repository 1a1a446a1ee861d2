import { createServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueFixture, insertOldRequestLogs, type QueueFixture } from '../../support/queue/queue-fixture.js';
import { eventually, TEST_TIMING } from '../../support/queue/spawn-worker.js';
import { parsePrometheusText, sampleValue } from '../../support/queue/prometheus-text.js';
import { startWorker, type RunningWorker } from '../../../src/queue/start-worker.js';
import { enqueueRuns, waitForRuns } from '../../../src/queue/enqueue-runs.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { generateSigningKey } from '../../../src/audit/signing-key.js';
import { processJob } from '../../../jobs/index.js';

const POLICY = `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "0 0 1 1 *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
`;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the worker signs a checkpoint after every policy run', () => {
  let fx: QueueFixture;
  let worker: RunningWorker | null = null;
  let sinkFile: string;

  beforeAll(async () => {
    fx = await createQueueFixture('q_ckpt');
    const keyFile = join(fx.dir, 'signing.pem');
    writeFileSync(keyFile, generateSigningKey().privatePem, { mode: 0o600 });
    sinkFile = join(fx.dir, 'checkpoints.jsonl');
    const down = await closedPort();
    const { config } = fx.writeConfig(POLICY, {
      audit: `{ table: retention_audit, key: "queue-test-key", signingKey: "\${file:${keyFile}}", checkpoints: { sinks: [{ type: file, name: worm, path: "${sinkFile}" }, { type: webhook, name: down, url: "http://127.0.0.1:${down}/", timeoutMs: 500 }] } }`,
    });
    worker = await startWorker(config, {
      processJob,
      logger: silentLogger(),
      timing: TEST_TIMING,
      httpPort: 0,
      name: 'ckpt',
      report: false,
    });
  });
  afterAll(async () => {
    await worker?.shutdown('test over');
    await fx?.drop();
  });

  it('writes it to the file sink; the unreachable webhook is counted and the run still succeeds', async () => {
    const samples = async () => parsePrometheusText(await (await fetch(`http://127.0.0.1:${worker!.httpPort}/metrics`)).text());
    expect(sampleValue(await samples(), 'retention_checkpoint_sink_failures_total', { sink: 'down' })).toBe(0);
    expect(sampleValue(await samples(), 'retention_checkpoint_sink_failures_total', { sink: 'worm' })).toBe(0);

    await insertOldRequestLogs(fx.db.pool, 30, 10);
    const config = worker!.engine.ctx.config;
    const { jobs } = await enqueueRuns(worker!.queues, config, config.policies);
    const outcome = await waitForRuns(worker!.queues, config, jobs, { pollMs: 100, timeoutMs: 30_000 });
    expect(outcome.results[0]).toMatchObject({ status: 'succeeded' });

    await eventually(
      async () => sampleValue(await samples(), 'retention_checkpoint_sink_failures_total', { sink: 'down' }) === 1,
      15_000,
      'the sink failure to be counted',
    );
    const lines = readFileSync(sinkFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const [rows] = await fx.db.pool.query('SELECT id, hash FROM retention_audit ORDER BY id DESC LIMIT 1');
    const head = (rows as { id: string; hash: string }[])[0]!;
    expect(JSON.parse(lines[0]!)).toMatchObject({ headId: String(head.id), headHash: head.hash });
    expect(sampleValue(await samples(), 'retention_checkpoint_sink_failures_total', { sink: 'worm' })).toBe(0);
  });
});
