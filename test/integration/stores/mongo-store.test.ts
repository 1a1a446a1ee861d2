import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors/index.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { createMongoStore } from '../../../src/stores/mongo/mongo-store.js';
import { createTestMongoDatabase, type TestMongoDatabase } from '../../support/mongo.js';

let mongo: TestMongoDatabase;

beforeAll(async () => {
  mongo = await createTestMongoDatabase('mongo_store');
});

afterAll(async () => {
  await mongo?.drop();
});

describe('mongo store: connection', () => {
  it('pings a reachable server and closes', async () => {
    const store = createMongoStore({ url: mongo.url }, silentLogger());
    expect(store.name).toBe('mongo');
    await store.ping();
    await store.close();
  });

  it('reports an unreachable server as a StoreError that does not print the URL password', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const store = createMongoStore({ url: 'mongodb://purger:s3cret-pw@127.0.0.1:1/im' }, silentLogger(), { serverSelectionTimeoutMS: 300 });
    try {
      const err = await store.ping().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).store).toBe('mongo');
      expect((err as StoreError).message).toMatch(/^mongo: cannot reach database im/);
      expect((err as StoreError).message).not.toContain('s3cret-pw');
    } finally {
      await store.close();
    }
  });

  it('rejects a URL the driver cannot parse with a StoreError, without its password', () => {
    expect(() => createMongoStore({ url: 'mongodb://purger:s3cret-pw@' }, silentLogger())).toThrow(StoreError);
    try {
      createMongoStore({ url: 'mongodb://purger:s3cret-pw@' }, silentLogger());
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cret-pw');
    }
  });

  it('refuses to build a store from an empty URL (a disabled store)', () => {
    expect(() => createMongoStore({ url: '' }, silentLogger())).toThrow(/disabled/);
  });
});
