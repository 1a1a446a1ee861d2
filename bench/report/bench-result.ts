import type { MachineDescription } from '../support/environment.js';
import type { MysqlBenchResult } from '../mysql/mysql-bench.js';
import type { PartitionBenchResult } from '../mysql/partition-bench.js';
import type { RedisBenchResult } from '../redis/redis-bench.js';
import type { MongoBenchResult } from '../mongo/mongo-bench.js';
import type { S3BenchResult } from '../s3/s3-bench.js';
import type { BenchOptions } from '../options.js';
import type { AuditBenchResult } from '../audit/audit-bench.js';

/** Everything one `npm run bench` measured: the JSON file in bench/results/. */
export interface BenchResult {
  options: Omit<BenchOptions, 'only'> & { only: string[] };
  machine: MachineDescription;
  durationSeconds: number;
  mysql: MysqlBenchResult | null;
  /** Absent in results written before the partition scenario existed. */
  partitions?: PartitionBenchResult | null;
  redis: RedisBenchResult | null;
  mongo: MongoBenchResult;
  /** Absent from results written before the S3 scenario existed. */
  s3?: S3BenchResult | null;
  /** Absent in results written before the audit scenario existed. */
  audit?: AuditBenchResult | null;
}
