import { createTestMongoDatabase, mongoTarget, type TestMongoDatabase } from '../../support/mongo.js';
import { createMongoStore } from '../../../src/stores/mongo/mongo-store.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { Store } from '../../../src/stores/purger.js';
import { describeAgePurgerConformance } from './age-purger-conformance.js';

let mongo: TestMongoDatabase;
let store: Store;
const CONTEXT = { zone: 'UTC' };

describeAgePurgerConformance('MongoDB', {
  async open() {
    mongo = await createTestMongoDatabase('conf_mongo');
    await mongo.db.collection('events').createIndex({ createdAt: 1 });
    await mongo.db.collection('no_index').insertOne({ createdAt: new Date(0) });
    store = createMongoStore({ url: mongo.url }, silentLogger());
  },
  async close() {
    await store.close();
    await mongo.drop();
  },
  async reset() {
    await mongo.db.collection('events').deleteMany({});
  },
  async insert(times) {
    await mongo.db.collection('events').insertMany(times.map((t) => (t === null ? { note: 'no time' } : { createdAt: t })));
  },
  async remainingTimes() {
    const docs = await mongo.db
      .collection('events')
      .find({ createdAt: { $type: 'date' } })
      .sort({ createdAt: 1 })
      .toArray();
    return docs.map((d) => (d.createdAt as Date).getTime());
  },
  async remainingUnusable() {
    return mongo.db.collection('events').countDocuments({ createdAt: { $exists: false } });
  },
  async removeExternally(time) {
    await mongo.db.collection('events').deleteOne({ createdAt: time });
  },
  purger: (batchSize) => store.agePurger(mongoTarget({ collection: 'events', time: 'createdAt', batchSize }), CONTEXT),
  misconfiguredPurger: () => store.agePurger(mongoTarget({ collection: 'no_index', time: 'createdAt' }), CONTEXT),
});
