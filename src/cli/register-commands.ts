import { Command, Option } from 'commander';
import { STORE_NAMES, type StoreName } from '../types.js';
import { UsageError } from '../errors/index.js';
import { reportError, EXIT } from './exit-codes.js';
import type { CliIo, GlobalOptions } from './io.js';

type Handler<O> = (opts: O, io: CliIo) => Promise<number>;
/** Command modules load on use, so `retention run` never pays for BullMQ, `report` for the queue, and so on. */
type LoadHandler<O> = () => Promise<Handler<O>>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseStore(value: string, previous: StoreName[] = []): StoreName[] {
  if (!(STORE_NAMES as readonly string[]).includes(value))
    throw new UsageError(`--store ${value}: expected one of ${STORE_NAMES.join(', ')}`);
  return [...previous, value as StoreName];
}

/** Declares every verb; each action resolves to an exit code through `setExit`. */
export function registerCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  /** Runs a handler with the global options merged in; `unreachable` is the exit code when a store is down. */
  const action =
    <O extends GlobalOptions>(load: LoadHandler<O>, unreachable: number = EXIT.cannotCheck) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const opts = { ...command.optsWithGlobals(), ...(args.length > 2 ? { args: args.slice(0, -2) } : {}) } as O;
      try {
        const handler = await load();
        setExit(await handler(opts, io));
      } catch (err) {
        setExit(reportError(err, io, { json: opts.json, verbose: opts.verbose, unreachable }));
      }
    };

  program
    .command('run')
    .description('run the policies once, now, in this process (all enabled ones when none is named)')
    .option('-p, --policy <name>', 'a policy to run (repeatable)', collect)
    .option('-s, --store <name>', 'only targets of this store (repeatable)', parseStore)
    .option('--dry-run', 'count what would be deleted; delete nothing')
    .option('--allow-large', "allow a run to exceed a policy's maxDeleteFraction")
    .option('--progress <seconds>', 'log a `target progress` entry per target every N seconds (deleted, rate, ETA)')
    .option('-q, --quiet', 'no live progress line on a terminal')
    .option('--json', 'print the run document as JSON')
    .action(action(() => import('./commands/run.js').then((m) => m.runCommand), EXIT.no));

  program
    .command('worker')
    .description('long-running: schedules the policies with BullMQ, processes purge jobs, serves /healthz, /readyz and /metrics')
    .action(action(() => import('./commands/worker.js').then((m) => m.workerCommand)));

  program
    .command('enqueue')
    .description('put runs on the queue (for an external cron); --wait reports like run')
    .option('-p, --policy <name>', 'a policy to run (repeatable); none = every enabled one', collect)
    .option('--wait', 'wait for the runs to finish and print them like run')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 3; the runs go on)')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/enqueue.js').then((m) => m.enqueueCommand), EXIT.no));

  program
    .command('schedule')
    .description('the job schedulers')
    .command('list')
    .description('the job schedulers in Redis and their next run times')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/schedule-list.js').then((m) => m.scheduleListCommand)));

  program
    .command('report')
    .description('compliance: oldest remaining record, overdue and unusable counts per target; copies the worker cannot delete')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/report.js').then((m) => m.reportCommand)));

  const audit = program.command('audit').description('read and verify the audit trail');
  audit
    .command('list')
    .description('the audit trail, newest first, grouped by run')
    .option('--since <time>', 'from this time: ISO-8601 time or date, or a duration back from now (24h, 7d, P1M)', '24h')
    .option('--until <time>', 'up to (not including) this time, same forms as --since; default now')
    .option('-p, --policy <name>', 'only this policy')
    .option('--run <runId>', 'only this run')
    .option('--limit <n>', 'show only the newest N entries (and say how many were left out)')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/audit-list.js').then((m) => m.auditListCommand)));
  audit
    .command('export')
    .description('every entry of a range, with its hashed text and hashes, as JSON Lines or CSV (streamed)')
    .option('--since <time>', 'from this time: ISO-8601 time or date, or a duration back from now; default the first entry')
    .option('--until <time>', 'up to (not including) this time, same forms as --since; default now')
    .option('-p, --policy <name>', "only this policy's entries (verify such a file with --policy)")
    .addOption(new Option('--format <format>', 'jsonl or csv').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--out <file>', 'write here (atomically: FILE.partial, renamed when complete) instead of stdout')
    .option('--json', 'with --out: print the summary as JSON')
    .action(action(() => import('./commands/audit-export.js').then((m) => m.auditExportCommand)));
  audit
    .command('verify')
    .description('check the whole hash chain in MySQL, or the chain inside an export file (--file, offline)')
    .option('--head <hash>', 'also prove the entry with this (previously logged) head hash is still there')
    .option(
      '--checkpoint <file>',
      'prove the chain (or, with --file, the export) against signed checkpoints (a sink file, or one checkpoint)',
    )
    .option('--public-key <pem>', 'with --checkpoint: the PEM public key (a file, or the PEM text)')
    .option('--file <export>', 'check an `audit export` file instead of the database (no database connection)')
    .option('--from-hash <hash>', "with --file: the export's first entry must link to this hash (the last one you verified)")
    .option('-p, --policy <name>', 'with --file: the file is an export of this one policy (entries are checked one by one, not as a chain)')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/audit-verify.js').then((m) => m.auditVerifyCommand)));
  audit
    .command('subject')
    .argument('<id>', 'the subject id (e.g. an app_id)')
    .description("whether and when a subject's configuration data was purged")
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/audit-subject.js').then((m) => m.auditSubjectCommand)));

  // Signed checkpoints and deletion certificates (docs/audit.md, "Signed checkpoints").
  audit
    .command('keygen')
    .description('a new Ed25519 key pair for audit.signingKey; prints the public key and its key id')
    .option('--out <file>', 'write the private key to this new file (mode 0600)')
    .option('--private-to-stdout', 'print the private key instead of writing a file')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/audit-keygen.js').then((m) => m.auditKeygenCommand)));
  audit
    .command('checkpoint')
    .description('sign the audit head now, store it, and write it to the checkpoint sinks')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/audit-checkpoint.js').then((m) => m.auditCheckpointCommand)));
  const certificate = audit
    .command('certificate')
    .description("a signed deletion certificate for one subject's configuration data or one policy run")
    .option('--subject <id>', 'the subject id (e.g. an app_id)')
    .option('--run <runId>', 'the run')
    .option('--out <file>', 'write it to this new file instead of stdout')
    .action(action(() => import('./commands/audit-certificate.js').then((m) => m.auditCertificateCommand)));
  certificate
    .command('verify')
    .argument('<file>', 'the certificate')
    .description('check a certificate offline: signature, key, checkpoint and coverage')
    .option('--public-key <pem>', 'the PEM public key (a file, or the PEM text)')
    .option('--trail', 'also check its entries and checkpoint against the configured audit trail')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/audit-certificate-verify.js').then((m) => m.auditCertificateVerifyCommand)));

  program
    .command('console')
    .description(
      'serve the read-only web console (promises, runs, audit chain, subject lookup, queue); needs console.enabled and credentials',
    )
    .option('--port <port>', 'listen on this port (else console.port)')
    .option('--host <address>', 'listen on this address (else console.host, 127.0.0.1)')
    .action(action(() => import('./commands/console.js').then((m) => m.consoleCommand)));

  const config = program.command('config').description('configuration');
  config
    .command('check')
    .description('validate the configuration; with --connect, also check every store')
    .option('--connect', 'reach every store and check tables, columns, types and indexes')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/config-check.js').then((m) => m.configCheckCommand)));

  program
    .command('migrate')
    .description('create or upgrade the audit table')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/migrate.js').then((m) => m.migrateCommand)));

  program
    .command('seed')
    .description('fill the reference data model with demo data spread over the last D days')
    .addOption(new Option('--apps <n>', 'accounts').default('50'))
    .addOption(new Option('--days <d>', 'days of data').default('14'))
    .addOption(new Option('--rows <n>', 'request-log rows').default('20000'))
    .option('--force', 'seed a database that already has data')
    .option('--json', 'print JSON')
    .action(action(() => import('./commands/seed.js').then((m) => m.seedCommand)));
}

export type { GlobalOptions };
