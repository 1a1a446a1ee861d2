import { MongoClient, type Document } from 'mongodb';
import { errorLine } from '../../lib/error-line.js';
import type { DerivedCopy, ShortestRetention } from '../purger.js';
import { formatDuration } from '../../lib/format-duration.js';

/**
 * The MongoDB oplog holds every deleted document's delete (and, for inserts and updates, the
 * document as written) for its window: from its oldest to its newest entry. A window longer than
 * a retention means a replica set keeps purged data that long.
 */
export async function mongoCopies(url: string, shortest: ShortestRetention | null): Promise<DerivedCopy[]> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 });
  try {
    await client.connect();
    const hello = await client.db('admin').command({ hello: 1 });
    if (!hello.setName) return []; // a standalone server has no oplog
    const oplog = client.db('local').collection('oplog.rs');
    const first = await oplog
      .find({}, { projection: { ts: 1 } })
      .sort({ $natural: 1 })
      .limit(1)
      .next();
    const last = await oplog
      .find({}, { projection: { ts: 1 } })
      .sort({ $natural: -1 })
      .limit(1)
      .next();
    const windowMs = first && last ? (seconds(last) - seconds(first)) * 1000 : 0;
    if (shortest && windowMs > shortest.ms) {
      return [
        {
          code: 'mongo-oplog',
          store: 'mongo',
          message: `the oplog window is ${formatDuration(windowMs)}, longer than the shortest retention (${shortest.label}, policy ${shortest.policy}): purged documents remain in the oplog that long`,
        },
      ];
    }
    return [];
  } catch (err) {
    return [
      {
        code: 'not-readable',
        store: 'mongo',
        message: `cannot read the MongoDB oplog window (${errorLine(err)}): check it by hand (rs.printReplicationInfo())`,
      },
    ];
  } finally {
    await client.close().catch(() => {});
  }
}

function seconds(entry: Document): number {
  const ts = entry.ts as { getHighBits?: () => number; t?: number } | undefined;
  return ts?.getHighBits?.() ?? ts?.t ?? 0;
}
