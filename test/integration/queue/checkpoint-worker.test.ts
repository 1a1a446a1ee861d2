import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueFixture, insertOldRequestLogs, logDataPolicy, type QueueFixture } from '../../support/queue/queue-fixture.js';
import { freePort } from '../../support/free-port.js';
import { eventually } from '../../support/queue/spawn-worker.js';
import { parsePrometheusText, sampleValue } from '../../support/queue/prometheus-text.js';
import type { RunningWorker } from '../../../src/queue/start-worker.js';
import { enqueueRuns, waitForRuns } from '../../../src/queue/enqueue-runs.js';
import { generateSigningKey } from '../../../src/audit/signing-key.js';

const POLICY = logDataPolicy();

describe('the worker signs a checkpoint after every policy run', () => {
  let fx: QueueFixture;
  let worker: RunningWorker | null = null;
  let sinkFile: string;

  beforeAll(async () => {
    fx = await createQueueFixture('q_ckpt');
    const keyFile = join(fx.dir, 'signing.pem');
    writeFileSync(keyFile, generateSigningKey().privatePem, { mode: 0o600 });
    sinkFile = join(fx.dir, 'checkpoints.jsonl');
    const down = await freePort();
    const { config } = fx.writeConfig(POLICY, {
      audit: `{ table: retention_audit, key: "queue-test-key", signingKey: "\${file:${keyFile}}", checkpoints: { sinks: [{ type: file, name: worm, path: "${sinkFile}" }, { type: webhook, name: down, url: "http://127.0.0.1:${down}/", timeoutMs: 500 }] } }`,
    });
    worker = await fx.startWorker(config, { name: 'ckpt', report: false });
  });
  afterAll(async () => {
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
