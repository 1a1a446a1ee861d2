import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, countRows, insertOldRequestLogs } from '../support/queue/queue-fixture.js';
import { podman, until, type Container } from '../support/container/podman.js';
import { createContainerScenario, enqueuedLogPolicy, type ContainerScenario } from '../support/container/container-scenario.js';
import { RUNS_QUEUE, TARGETS_QUEUE } from '../../src/queue/queue-names.js';
import type { RunDocument } from '../../src/types.js';

const TABLES = ['log_a', 'log_b', 'log_c', 'log_d'];
const ROWS = 15_000;
const POLICY = enqueuedLogPolicy(TABLES.map((t) => `{ store: mysql, table: ${t}, time: requested_at, batchSize: 200, pauseMs: 100 }`));

/**
 * `enqueue --wait` from one container (an external scheduler's CronJob), the run done by two
 * worker containers, one of them killed (`podman kill -s KILL`) while the run is going: the other
 * finishes it. The worker's own production timing applies (a dead replica's jobs are taken over
 * after BullMQ's 30 s lock plus up to one 30 s stalled-check interval).
 */
describe('a run shared by two worker containers, one of them killed mid-run', () => {
  let sc: ContainerScenario;
  let runs: Queue;
  let targets: Queue;

  beforeAll(async () => {
    sc = await createContainerScenario('shared');
    sc.writeConfig(POLICY);
    for (const t of TABLES) {
      await sc.fx.db.pool.query(`CREATE TABLE ${t} LIKE im_request_log`);
      await insertOldRequestLogs(sc.fx.db.pool, ROWS, 10);
      await sc.fx.db.pool.query(`INSERT INTO ${t} SELECT * FROM im_request_log`);
      await sc.fx.db.pool.query('DELETE FROM im_request_log');
    }
    runs = new Queue(RUNS_QUEUE, { connection: sc.fx.redis, prefix: sc.fx.prefix });
    targets = new Queue(TARGETS_QUEUE, { connection: sc.fx.redis, prefix: sc.fx.prefix });
  });
  afterAll(async () => {
    await runs?.close();
    await targets?.close();
    await sc?.drop();
  });

  it('is finished by the surviving container: `enqueue --wait` exits 0, every row gone, one run closed, chain intact', async () => {
    const workers = [await sc.start('worker-a', ['worker']), await sc.start('worker-b', ['worker'])];
    for (const w of workers)
      await until(async () => (await w.logLines()).some((l) => l.msg === 'worker started'), 60_000, `${w.name} to start`);
    const byName = (processedBy: string | undefined): Container | undefined => workers.find((w) => processedBy?.startsWith(`${w.name}:`));

    const waiting = sc.run('enqueue', ['enqueue', '--policy', 'log-data', '--wait', '--timeout', '420', '--json'], {}, 480_000);

    // Both containers purging targets of the run, the coordinator on one of them.
    const coordinator = await until(
      async () => {
        const active = await targets.getActive();
        const busy = new Set(active.map((j) => byName(j.processedBy)?.name));
        const [run] = await runs.getActive();
        return busy.size === 2 && !busy.has(undefined) ? byName(run?.processedBy) : null;
      },
      90_000,
      'both containers to be purging targets of the run',
    );
    const survivor = workers.find((w) => w !== coordinator)!;
    const leftAtKill = await Promise.all(TABLES.map((t) => countRows(sc.fx.db.pool, t)));
    expect(leftAtKill.reduce((a, b) => a + b)).toBeGreaterThan(0);
    const kill = await podman(['kill', '-s', 'KILL', coordinator.name]);
    expect(kill.code, kill.stderr).toBe(0);
    expect(await sc.exitCode(coordinator)).toBe(137);

    const waited = await waiting;
    expect(waited.code, waited.stderr.slice(-3000)).toBe(0);
    const doc = JSON.parse(waited.stdout) as RunDocument;
    expect(doc.status).toBe('succeeded');
    expect(doc.policies[0]!.targets.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    for (const t of TABLES) expect(await countRows(sc.fx.db.pool, t)).toBe(0);

    const entries = (await auditEntries(sc.fx.db.pool)).filter((e) => e.runId === doc.runId);
    expect(entries.filter((e) => e.kind === 'run-finished')).toHaveLength(1);
    // Started by the killed container, resumed by the survivor with the same evaluation (same cutoff).
    const starts = entries.filter((e) => e.kind === 'run-started');
    expect(starts.length).toBe(2);
    expect(new Set(starts.map((e) => e.data.cutoff)).size).toBe(1);
    expect((await survivor.logLines()).some((l) => l.msg === 'resuming a run whose coordinator stopped')).toBe(true);

    const verify = await sc.run('verify', ['audit', 'verify', '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });

    const stop = await podman(['stop', '-t', '30', survivor.name], 60_000);
    expect(stop.code).toBe(0);
    expect(await sc.exitCode(survivor)).toBe(0);
  });
});
