import type { LatencySummary } from '../support/stats.js';
import type { BenchResult } from './bench-result.js';
import { checkTargets } from './targets.js';

const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const sec = (ms: number) => (ms / 1000).toFixed(ms < 1000 ? 3 : 2);
const ratio = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(2));
const lat = (s: LatencySummary) => (s.count === 0 ? 'n/a' : `${s.p50.toFixed(1)} / ${s.p99.toFixed(1)}`);
const cpu = (ms: number | null) => (ms === null ? '—' : (ms / 1000).toFixed(1));
const mib = (kib: number | null) => (kib === null || kib === 0 ? '—' : (kib / 1024).toFixed(1));

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The Markdown the bench prints: machine, one table per scenario, and the targets side by side. */
export function renderReport(result: BenchResult): string {
  const m = result.machine;
  const out: string[] = [
    `# retention-worker benchmark, ${m.date.slice(0, 10)}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}; ${m.mariadb}; ${m.redis}; ${m.ptArchiver}. ` +
      `Starting the CLI (\`retention --version\`) takes ${sec(m.cliStartMs)} s. Whole bench: ${(result.durationSeconds / 60).toFixed(1)} min.`,
    '',
  ];
  const mysql = result.mysql;
  if (mysql) {
    const b = mysql.backlog;
    out.push(
      `## MySQL backlog: ${int(b.rows)} rows over 14 days, 7-day cutoff`,
      '',
      `${mysql.server.version}, buffer pool ${mysql.server.bufferPoolMiB} MiB, ${mysql.server.isolation}, binlog ${mysql.server.binlog}. ` +
        `Template loaded in ${b.templateLoadSeconds.toFixed(1)} s; each run gets a fresh copy (${b.cloneMethod}, median ${b.medianCloneSeconds.toFixed(1)} s). ` +
        `${b.runsPerMethod} alternating runs per method; medians. rows/s and ratios use the wall time (process start to exit); ` +
        '"purge s" is the worker\'s own target time from its run document. ' +
        'Foreground: INSERT, PK SELECT, and UPDATE of a kept row (a transaction that first tries the row lock with NOWAIT, counting conflicts), ' +
        `latency from the scheduled start, all samples of all runs pooled; with no purge: p50/p99 ${lat(b.idle)} ms (UPDATEs ${lat(b.idleUpdates)} ms).`,
      '',
      table(
        [
          'method',
          'rows deleted',
          'wall s',
          'purge s',
          'rows/s',
          '× pt-archiver',
          'fg p50/p99 ms',
          'p99 × pt-archiver',
          'UPDATE p50/p99 ms',
          'kept-row lock conflicts (all runs)',
          'Innodb_row_lock_waits (max)',
          'rows read / deleted',
          'statements',
          'purger / server CPU s',
          'peak RSS MiB',
        ],
        b.methods.map((s) => [
          s.label,
          int(s.medianDeleted),
          sec(s.medianWallMs),
          sec(s.medianPurgeMs),
          int(s.medianRowsPerSecond),
          ratio(s.ratioToPtArchiver),
          lat(s.foreground),
          ratio(s.p99RatioToPtArchiver),
          lat(s.foregroundUpdates),
          String(s.keptRowLockConflicts ?? 'n/a'),
          String(s.rowLockWaits.max),
          s.medianHandlerReadsPerDeleted.toFixed(1),
          int(s.medianQuestions),
          `${cpu(s.medianPurgerCpuMs)} / ${cpu(s.medianServerCpuMs)}`,
          mib(s.maxPeakRssKib),
        ]),
      ),
      '',
    );
    const st = mysql.steadyState;
    out.push(
      `## MySQL steady state: the hourly run (${int(st.tableRows)} rows, ${int(st.hourRows)} due)`,
      '',
      `Median of ${st.runsPerMethod} run(s) per method; rows read = Handler_read_* deltas (global). "purge s" is the worker's target time ` +
        'from its run document — a scheduled run inside the long-running worker pays no process start — and the wall time of the others; ' +
        '"process s" includes starting `retention run`.',
      '',
      table(
        ['method', 'rows deleted', 'purge s', 'process s', 'rows read', 'read / deleted', 'pt-archiver ÷ this'],
        st.methods.map((s) => [
          s.label,
          int(s.medianDeleted),
          sec(s.medianPurgeMs),
          sec(s.medianWallMs),
          int(s.medianHandlerReads),
          s.readsPerDeleted.toFixed(1),
          ratio(s.speedupOverPtArchiver),
        ]),
      ),
      '',
      '## Worker memory (peak RSS of the `retention run` process)',
      '',
      table(
        ['rows', 'method', 'peak RSS MiB', 'rows/s'],
        [
          ...b.methods
            .filter((s) => s.id === 'worker-defaults' || s.id === 'worker-tuned')
            .map((s) => [int(b.rows), s.id, mib(s.maxPeakRssKib), int(s.medianRowsPerSecond)]),
          ...mysql.memory.map((r) => [int(r.rows), r.method, mib(r.peakRssKib), int(r.rowsPerSecond)]),
        ],
      ),
      '',
    );
  }
  const parts = result.partitions;
  if (parts) {
    const ptRate = parts.methods.find((r) => r.id === 'pt-archiver')?.rowsPerSecond ?? null;
    out.push(
      `## MySQL partitions: ${int(parts.rows)} rows over 14 days, 7-day cutoff`,
      '',
      `The same rows loaded for each method: a table partitioned by day (${parts.dailyPartitions} daily partitions + MAXVALUE; primary key (id, requested_at)) ` +
        "for the worker's partition path — bounded at UTC midnight on TO_DAYS(requested_at) and run at an arbitrary time of day, and the recommended schedule, " +
        "RANGE COLUMNS bounds 5 minutes before the cutoff's time of day (the run comes a few minutes after a partition boundary) — " +
        'the reference unpartitioned table for its chunked walk and for pt-archiver. ' +
        `One run each; wall time from process start to exit. Foreground probe as in the backlog, over the purge's own run and over at least the 10 s from its start (the same span for every method); with no purge: p50/p99 ${lat(parts.idle)} ms.`,
      '',
      table(
        [
          'method',
          'load s',
          'rows deleted',
          'wall s',
          'rows/s',
          '× pt-archiver',
          'fg p50/p99 ms (run)',
          'fg max ms',
          'p99 × pt-archiver (run)',
          'fg p99 ms (≥ 10 s from start)',
          'p99 × pt-archiver (≥ 10 s)',
          'partitions dropped (rows)',
          'partition phase: prepare + removal s, rows/s, × pt-archiver',
          'CLI start s; prepare s ‖ row walks s (rows); removal s (exact counts s)',
        ],
        parts.methods.map((r) => [
          r.label,
          r.loadSeconds.toFixed(1),
          int(r.deleted),
          sec(r.wallMs),
          int(r.rowsPerSecond),
          ratio(r.ratioToPtArchiver),
          lat(r.foreground),
          Number.isFinite(r.foreground.max) ? r.foreground.max.toFixed(1) : 'n/a',
          ratio(r.p99RatioToPtArchiver),
          r.foregroundFixed.p99.toFixed(1),
          ratio(r.fixedP99RatioToPtArchiver),
          r.partitions.length === 0
            ? '—'
            : `${r.partitions.filter((p) => p.action === 'dropped').length} (${int(r.partitions.filter((p) => p.action === 'dropped').reduce((n, p) => n + p.rows, 0))})`,
          r.partitionPhase
            ? `${sec(r.partitionPhase.prepareMs)} + ${sec(r.partitionPhase.ddlMs)}, ${int(r.partitionPhase.rowsPerSecond)}, ${ratio(
                ptRate ? r.partitionPhase.rowsPerSecond / ptRate : null,
              )}`
            : '—',
          r.breakdown
            ? `${sec(r.breakdown.cliStartMs)}; ${sec(r.breakdown.prepareMs)} ‖ ${sec(r.breakdown.walkMs)} (${int(r.breakdown.walkedRows)}); ${sec(r.breakdown.ddlMs)} (counts ${sec(r.breakdown.countMs)})`
            : '—',
        ]),
      ),
      '',
      "The last column: CLI start; preparing the removal (staging tables, or the one-statement removal's exact counts) ‖ the row walks beside it (the boundary partition, then a walk of every due row that finds what the DDL left); the removal (with exchanges, the staging tables' exact counts run inside it). Overlapping parts do not add up to the wall time.",
      '',
    );
  }
  const redis = result.redis;
  if (redis) {
    out.push(
      `## Redis: ${int(redis.keys)} im:mon:* keys (${int(redis.dueKeys)} due), ${int(redis.collections)} sorted sets / streams`,
      '',
      `${redis.server}. A GET loop on kept keys (200/s, its own process); with no purge its p50/p99 is ${lat(redis.idleGet)} ms.`,
      '',
      table(
        [
          'method',
          'keys scanned',
          'keys deleted',
          'wall s',
          'purge s',
          'keys scanned/s',
          'keys deleted/s',
          '× redis-cli',
          'GET p50/p99 ms',
          'peak RSS MiB',
        ],
        redis.keyMethods.map((k) => [
          k.label.replace(/\|/g, '\\|'),
          int(k.keysScanned),
          int(k.keysDeleted),
          sec(k.wallMs),
          sec(k.purgeMs),
          int(k.keysScannedPerSecond),
          int(k.keysDeletedPerSecond),
          ratio(k.ratioToRedisCli),
          lat(k.get),
          mib(k.peakRssKib),
        ]),
      ),
      '',
      `Members: ${redis.memberPurge.label}: ${int(redis.memberPurge.deleted)} of ${int(redis.members)} in ${sec(redis.memberPurge.wallMs)} s = ` +
        `${int(redis.memberPurge.membersPerSecond)} members/s (GET p50/p99 ${lat(redis.memberPurge.get)} ms).`,
      '',
      `Redis's own expiry (the same ${int(redis.expiry.keys)} keys given a PXAT a few seconds ahead): reclaimed in ` +
        `${sec(redis.expiry.reclaimMs)} s${redis.expiry.timedOut ? ' (gave up waiting)' : ''} = ${int(redis.expiry.keysPerSecond)} keys/s ` +
        `(GET p50/p99 ${lat(redis.expiry.get)} ms). An EXPIREAT already in the past deletes the key inside the command.`,
      '',
    );
    if (redis.memory) {
      const m = redis.memory;
      out.push(
        `Memory: the defaults again on ${int(m.keys)} keys (${int(m.dueKeys)} due): ${int(m.keysDeleted)} deleted in ${sec(m.wallMs)} s = ` +
          `${int(m.keysDeletedPerSecond)} keys/s, peak RSS ${m.peakRssKib === null ? 'n/a' : (m.peakRssKib / 1024).toFixed(1)} MiB.`,
        '',
      );
    }
  }
  const mongo = result.mongo;
  out.push('## MongoDB', '');
  if ('skipped' in mongo) out.push(`Skipped: ${mongo.skipped}.`, '');
  else
    out.push(
      `${mongo.server}, ${int(mongo.docs)} documents over 14 days, 7-day cutoff.`,
      '',
      table(
        ['method', 'documents deleted', 'wall s', 'documents/s', '× deleteMany'],
        mongo.methods.map((r) => [r.label, int(r.deleted), sec(r.wallMs), int(r.docsPerSecond), ratio(r.ratioToDeleteMany)]),
      ),
      '',
    );
  const s3 = result.s3;
  if (s3) {
    out.push(
      `## S3: ${int(s3.objects)} objects (${int(s3.dueObjects)} due, a folder per ${s3.folders ?? 'day'}) on ${s3.server}`,
      '',
      `Loaded at ${int(s3.loadObjectsPerSecond)} objects/s (${sec(s3.loadSeconds * 1000)} s); each method deletes the same objects from a copy of that server's directory.`,
      '',
      table(
        ['method', 'objects deleted', 'wall s', 'objects/s', '× best baseline', 'how'],
        s3.methods.map((m) => [m.label, int(m.deleted), sec(m.wallMs), int(m.objectsPerSecond), ratio(m.ratioToBestBaseline), m.note]),
      ),
      '',
    );
  }
  const audit = result.audit;
  if (audit) {
    out.push(
      `## Audit trail: ${int(audit.entries)} entries`,
      '',
      `A valid HMAC chain written straight into the table in ${audit.fillSeconds.toFixed(0)} s (runs of 10,000 subject entries). ` +
        'Each command is the real CLI in a child process, measured from outside: wall time from spawn to exit (so it includes ' +
        `the CLI's start, ${sec(m.cliStartMs)} s), peak RSS (VmHWM). Listings are read to the end and dropped.`,
      '',
      table(
        ['command', 'entries', 'wall s', 'entries/s', 'CPU s', 'entries per CPU s', 'first line s', 'peak RSS MiB', 'output MiB'],
        [...audit.export, ...audit.list].map((r) => [
          r.label,
          int(r.entries),
          sec(r.wallMs),
          int(r.entriesPerSecond),
          r.cpuMs ? cpu(r.cpuMs) : '—',
          r.cpuMs ? int(r.entries / (r.cpuMs / 1000)) : '—',
          r.firstLineMs === null ? '—' : sec(r.firstLineMs),
          mib(r.peakRssKib),
          (r.outputBytes / 1024 / 1024).toFixed(0),
        ]),
      ),
      '',
    );
  }
  out.push(
    '## Targets',
    '',
    table(
      ['target', 'measured', 'met'],
      checkTargets(result).map((c) => [c.target, c.measured, c.met === null ? 'not measured' : c.met ? 'yes' : '**no**']),
    ),
    '',
  );
  return `${out.join('\n')}\n`;
}
