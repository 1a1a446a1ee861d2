import { ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ListedObject } from './object-time.js';
import { s3StoreError } from './s3-errors.js';

/** Where a listing goes on from: after this key (and, in a version listing, this version). */
export interface ListCursor {
  key: string;
  versionId?: string | undefined;
}

export interface ListedPage {
  objects: ListedObject[];
  /** Where the next page starts; null at the end of the prefix. */
  next: ListCursor | null;
}

/** Counts the requests of a client's listings (the run's cost), for logs and tests. */
export interface ListingStats {
  requests: number;
  listed: number;
}

/**
 * One page of current objects under `prefix`, in key byte order, after `after`. Paging uses
 * StartAfter rather than continuation tokens: each page is a self-contained request that a later
 * batch (or the next run) can repeat from any key, and a walk can start past what it deleted.
 */
export async function listObjectsPage(...[client, bucket, prefix, after, maxKeys, stats]: ListArgs): Promise<ListedPage> {
  const out = await listing('ListObjectsV2', bucket, () =>
    client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: maxKeys, ...(after ? { StartAfter: after.key } : {}) }),
    ),
  );
  const objects = (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ key: o.Key, lastModified: o.LastModified }]));
  count(stats, objects);
  const last = objects[objects.length - 1];
  return { objects, next: out.IsTruncated && last ? { key: last.key } : null };
}

/**
 * One page of every version and delete marker under `prefix` (versioned buckets), after `after`.
 * A delete marker has no data but hides older versions from readers, not from the bucket.
 */
export async function listVersionsPage(...[client, bucket, prefix, after, maxKeys, stats]: ListArgs): Promise<ListedPage> {
  const out = await listing('ListObjectVersions', bucket, () =>
    client.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: maxKeys,
        ...(after ? { KeyMarker: after.key, ...(after.versionId ? { VersionIdMarker: after.versionId } : {}) } : {}),
      }),
    ),
  );
  const objects: ListedObject[] = [];
  for (const v of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) {
    if (v.Key !== undefined) objects.push({ key: v.Key, lastModified: v.LastModified, versionId: v.VersionId });
  }
  // Versions and markers come in two lists; merged back into the service's (key, newest first) order.
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0)));
  count(stats, objects);
  const next = out.IsTruncated && out.NextKeyMarker ? { key: out.NextKeyMarker, versionId: out.NextVersionIdMarker } : null;
  return { objects, next };
}

/** client, bucket, prefix, after (null: from the start), maxKeys, stats (optional). */
type ListArgs = [client: S3Client, bucket: string, prefix: string, after: ListCursor | null, maxKeys: number, stats?: ListingStats];

async function listing<T>(operation: string, bucket: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw s3StoreError(operation, bucket, err);
  }
}

function count(stats: ListingStats | undefined, objects: readonly ListedObject[]): void {
  if (!stats) return;
  stats.requests += 1;
  stats.listed += objects.length;
}
