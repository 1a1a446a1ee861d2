import { MongoClient } from 'mongodb';
import { UsageError } from '../errors/index.js';
import { demoAccounts, demoIp, INTERFACES, pick, prng, spreadTime, type SeedOptions } from './demo-data.js';

const CHUNK = 1000;

export interface MongoSeedCounts {
  requestLogs: number;
  exceptionLogs: number;
  monitoringStats: number;
  appSettings: number;
}

/** Fills the reference MongoDB collections (with their time-field indexes); refuses existing data unless `force`. */
export async function seedMongo(url: string, options: SeedOptions, force: boolean): Promise<MongoSeedCounts> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    const db = client.db();
    if (!force && (await db.collection('request_logs').estimatedDocumentCount()) > 0) {
      throw new UsageError('the MongoDB database already has data; seed with --force to add more');
    }
    const rand = prng(11);
    const appIds = demoAccounts(options).map((a) => Number(a.appId));
    const indexes: [string, string][] = [
      ['request_logs', 'requestedAt'],
      ['exception_logs', 'occurredAt'],
      ['monitoring_stats', 'windowStart'],
      ['app_settings', 'appId'],
    ];
    for (const [collection, field] of indexes) await db.collection(collection).createIndex({ [field]: 1 });
    const fill = async (collection: string, count: number, make: () => Record<string, unknown>) => {
      for (let done = 0; done < count; done += CHUNK) {
        const docs = Array.from({ length: Math.min(CHUNK, count - done) }, make);
        await db.collection(collection).insertMany(docs, { ordered: false });
      }
      return count;
    };
    const logCount = Math.max(1, Math.floor(options.rows / 4));
    return {
      requestLogs: await fill('request_logs', logCount, () => ({
        appId: pick(rand, appIds),
        clientIp: demoIp(rand),
        interfaceName: pick(rand, INTERFACES),
        requestedAt: spreadTime(rand, options),
      })),
      exceptionLogs: await fill('exception_logs', Math.max(1, Math.floor(logCount / 10)), () => ({
        appId: pick(rand, appIds),
        interfaceName: pick(rand, INTERFACES),
        cause: 'upstream timeout',
        occurredAt: spreadTime(rand, options),
      })),
      monitoringStats: await fill('monitoring_stats', Math.max(1, Math.floor(logCount / 2)), () => ({
        appId: pick(rand, appIds),
        interfaceName: pick(rand, INTERFACES),
        successRate: 0.9 + rand() * 0.1,
        avgDelayMs: Math.floor(rand() * 300),
        windowStart: spreadTime(rand, options),
      })),
      appSettings: await fill(
        'app_settings',
        appIds.length,
        (() => {
          let i = 0;
          return () => ({ appId: appIds[i++], tags: ['demo'], customFields: { tier: 'basic' }, messageSettings: { retentionDays: 7 } });
        })(),
      ),
    };
  } finally {
    await client.close();
  }
}
