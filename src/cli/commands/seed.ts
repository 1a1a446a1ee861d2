import { UsageError } from '../../errors/index.js';
import { seedMysql } from '../../seed/seed-mysql.js';
import { seedMongo } from '../../seed/seed-mongo.js';
import { seedRedis } from '../../seed/seed-redis.js';
import type { SeedOptions } from '../../seed/demo-data.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, withEngine } from '../load.js';

export interface SeedCommandOptions extends GlobalOptions {
  apps: string;
  days: string;
  rows: string;
  force?: boolean;
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive whole number, got "${value}"`);
  return n;
}

/** `retention seed`: demo data in the reference data model, in every enabled store. */
export async function seedCommand(opts: SeedCommandOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  const options: SeedOptions = {
    apps: positive('apps', opts.apps),
    days: positive('days', opts.days),
    rows: positive('rows', opts.rows),
    now: new Date(),
  };
  const force = opts.force ?? false;
  return withEngine(config, io, async (engine) => {
    const result: Record<string, unknown> = { mysql: await seedMysql(engine.mysql.pool, options, force) };
    if (config.enabledStores.has('mongo')) result.mongo = await seedMongo(config.stores.mongo.url, options, force);
    if (config.enabledStores.has('redis')) {
      if (config.stores.redis.url) result.redis = await seedRedis(config.stores.redis.url, options, force);
      else io.logger.warn('Redis Cluster configured: the demo seeder fills a single Redis node only; Redis not seeded');
    }
    if (opts.json) printJson(io, result);
    else io.stdout(`seeded over the last ${options.days} days:\n${JSON.stringify(result, null, 2)}\n`);
    return EXIT.ok;
  });
}
