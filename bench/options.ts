import { parseArgs } from 'node:util';
import { PARTITION_METHODS, type PartitionMethodId } from './mysql/partition-bench.js';

export type Scenario = 'mysql' | 'partitions' | 'redis' | 'mongo' | 's3' | 'audit';
const SCENARIOS: readonly Scenario[] = ['mysql', 'partitions', 'redis', 'mongo', 's3', 'audit'];

export interface BenchOptions {
  /** Rows of the backlog and steady-state tables. @defaultValue 2_000_000 */
  rows: number;
  /** Rows of the memory check's larger table. @defaultValue 4_000_000 */
  memoryRows: number;
  /** Runs of each backlog method. @defaultValue 5 */
  runs: number;
  /** Runs of each steady-state method. @defaultValue 3 */
  steadyRuns: number;
  /** Rows of the partition scenario (loaded once per method). @defaultValue 10_000_000 */
  partitionRows: number;
  /** `im:mon:*` keys of the Redis scenario. @defaultValue 1_000_000 */
  redisKeys: number;
  /** Sorted sets and streams of the Redis scenario (half each). @defaultValue 10_000 */
  redisCollections: number;
  /** Keys of the Redis memory run (0: none): peak RSS there against the main run's. */
  redisMemoryKeys: number;
  /** Documents of the MongoDB scenario (only with TEST_MONGO_URL). @defaultValue 1_000_000 */
  mongoDocs: number;
  /** Objects of the S3 scenario (half due), on a private s3rver. @defaultValue 100_000 */
  s3Objects: number;
  /** Folder per day (`logs/yyyy/MM/dd/…`) or per hour (`logs/yyyy/MM/dd/HH/…`) in the S3 scenario. @defaultValue day */
  s3Folders: 'day' | 'hour';
  /** Entries of the audit scenario's trail. @defaultValue 1_000_000 */
  auditEntries: number;
  /** Probe operations per second and kind. @defaultValue 50 */
  probeRate: number;
  /** The MySQL server, without a database. @defaultValue $BENCH_MYSQL_URL, $TEST_MYSQL_URL, mysql://root@127.0.0.1:3306 */
  mysqlUrl: string;
  /** Methods of the partition scenario. @defaultValue all */
  partitionMethods: ReadonlySet<PartitionMethodId>;
  /** Scenarios to run. @defaultValue all */
  only: ReadonlySet<Scenario>;
  /** Where the JSON result goes. @defaultValue bench/results/bench-<date>.json */
  out: string | null;
  quick: boolean;
}

export const USAGE = `usage: npm run bench -- [--rows N] [--memory-rows N] [--runs N] [--steady-runs N] [--partition-rows N] [--redis-keys N]
                      [--redis-memory-keys N] [--redis-collections N] [--mongo-docs N] [--s3-objects N] [--s3-folders day|hour] [--audit-entries N]
                      [--probe-rate N] [--mysql-url URL]
                      [--only mysql,partitions,redis,mongo,s3,audit] [--partition-methods ID,…] [--out FILE] [--quick]
       npm run bench -- --render bench/results/<file>.json
  --quick   a smoke run: 100 k rows, 200 k for memory and partitions, 2 runs, 50 k Redis keys, 10 k S3 objects, 100 k audit entries
  --partition-methods  some of the partition scenario's methods (each needs its own load):
            ${PARTITION_METHODS.join(', ')}
  --render  print the tables of an earlier result again, measuring nothing`;

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string' },
      'memory-rows': { type: 'string' },
      runs: { type: 'string' },
      'steady-runs': { type: 'string' },
      'partition-rows': { type: 'string' },
      'redis-keys': { type: 'string' },
      'redis-collections': { type: 'string' },
      'redis-memory-keys': { type: 'string' },
      'mongo-docs': { type: 'string' },
      's3-objects': { type: 'string' },
      's3-folders': { type: 'string' },
      'audit-entries': { type: 'string' },
      'probe-rate': { type: 'string' },
      'mysql-url': { type: 'string' },
      only: { type: 'string' },
      'partition-methods': { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const int = (name: string, value: string | undefined, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    const n = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${value}`);
    return n;
  };
  const only = new Set<Scenario>();
  for (const name of (values.only ?? SCENARIOS.join(',')).split(',').map((s) => s.trim())) {
    if (!(SCENARIOS as readonly string[]).includes(name))
      throw new Error(`--only: unknown scenario ${name} (known: ${SCENARIOS.join(', ')})`);
    only.add(name as Scenario);
  }
  const partitionMethods = new Set<PartitionMethodId>();
  for (const name of (values['partition-methods'] ?? PARTITION_METHODS.join(',')).split(',').map((s) => s.trim())) {
    if (!(PARTITION_METHODS as readonly string[]).includes(name))
      throw new Error(`--partition-methods: unknown method ${name} (known: ${PARTITION_METHODS.join(', ')})`);
    partitionMethods.add(name as PartitionMethodId);
  }
  return {
    rows: int('rows', values.rows, quick ? 100_000 : 2_000_000, 1000),
    memoryRows: int('memory-rows', values['memory-rows'], quick ? 200_000 : 4_000_000, 1000),
    runs: int('runs', values.runs, quick ? 2 : 5),
    steadyRuns: int('steady-runs', values['steady-runs'], quick ? 1 : 3),
    partitionRows: int('partition-rows', values['partition-rows'], quick ? 200_000 : 10_000_000, 1000),
    redisKeys: int('redis-keys', values['redis-keys'], quick ? 50_000 : 1_000_000, 1000),
    redisMemoryKeys: int('redis-memory-keys', values['redis-memory-keys'], quick ? 200_000 : 4_000_000, 0),
    redisCollections: int('redis-collections', values['redis-collections'], quick ? 1000 : 10_000, 2),
    mongoDocs: int('mongo-docs', values['mongo-docs'], quick ? 50_000 : 1_000_000, 1000),
    s3Objects: int('s3-objects', values['s3-objects'], quick ? 10_000 : 100_000, 100),
    s3Folders: s3Folders(values['s3-folders']),
    auditEntries: int('audit-entries', values['audit-entries'], quick ? 100_000 : 1_000_000, 1000),
    probeRate: int('probe-rate', values['probe-rate'], 50),
    mysqlUrl: values['mysql-url'] ?? process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    only,
    partitionMethods,
    out: values.out ?? null,
    quick,
  };
}

function s3Folders(value: string | undefined): 'day' | 'hour' {
  if (value === undefined || value === 'day' || value === 'hour') return value ?? 'day';
  throw new Error(`--s3-folders must be day or hour, got ${value}`);
}
