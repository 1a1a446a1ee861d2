import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { csvRow, EXPORT_COLUMNS, exportRecord, type ChainEntry, type EntryFilter, type ExportFormat } from '../../audit/index.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';
import { parseTimeBound } from '../parse-time-bound.js';

export interface AuditExportOptions extends GlobalOptions {
  since?: string;
  until?: string;
  policy?: string;
  format?: ExportFormat;
  out?: string;
}

/** JSON lines joined per write: one write per entry would cost more than the entry itself. */
const LINES_PER_CHUNK = 32;

/**
 * `retention audit export`: every entry of the range in chain order, with its hashed text and
 * both hashes, streamed from MySQL to the file (constant memory). With `--out`, the file is
 * written as FILE.partial and renamed when complete, so a half-written export never looks whole.
 */
export async function auditExportCommand(opts: AuditExportOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  const now = new Date();
  const filter: EntryFilter = {
    since: opts.since === undefined ? undefined : parseTimeBound('--since', opts.since, now),
    until: opts.until === undefined ? undefined : parseTimeBound('--until', opts.until, now),
    policy: opts.policy,
  };
  const format = opts.format ?? 'jsonl';
  return withEngine(
    config,
    io,
    async (engine) => {
      const summary = {
        entries: 0,
        firstId: null as number | null,
        lastId: null as number | null,
        startHash: null as string | null,
        headHash: null as string | null,
      };
      async function* counted(): AsyncGenerator<ChainEntry> {
        for await (const e of engine.audit.stream(filter)) {
          if (summary.firstId === null) {
            summary.firstId = e.id;
            summary.startHash = e.prevHash;
          }
          summary.entries += 1;
          summary.lastId = e.id;
          summary.headHash = e.hash;
          yield e;
        }
      }
      const source =
        format === 'csv'
          ? Readable.from(mapCsv(counted()), { highWaterMark: 1 }).pipe(stringify({ header: true, columns: [...EXPORT_COLUMNS] }))
          : Readable.from(jsonLines(counted()), { highWaterMark: 1 });
      const partial = opts.out === undefined ? null : `${opts.out}.partial`;
      const sink: Writable = partial === null ? (io.stdoutStream ?? textSink(io)) : createWriteStream(partial);
      try {
        await pipeline(source, sink, { end: partial !== null });
      } catch (err) {
        if (partial !== null) await rm(partial, { force: true });
        throw err;
      }
      if (partial !== null && opts.out !== undefined) {
        await rename(partial, opts.out);
        const doc = {
          file: opts.out,
          format,
          policy: opts.policy ?? null,
          since: filter.since?.toISOString() ?? null,
          until: filter.until?.toISOString() ?? null,
          ...summary,
        };
        if (opts.json) printJson(io, doc);
        else
          io.stdout(
            summary.entries === 0
              ? `exported no entries to ${opts.out}: none in the range\n`
              : `exported ${summary.entries} entries (ids ${summary.firstId}–${summary.lastId}) to ${opts.out}\nfirst entry links to ${summary.startHash}\nlast entry's hash   ${summary.headHash}\n`,
          );
      }
      return EXIT.ok;
    },
    { stores: TRAIL_ONLY },
  );
}

async function* jsonLines(entries: AsyncIterable<ChainEntry>): AsyncGenerator<string> {
  let chunk: string[] = [];
  for await (const e of entries) {
    chunk.push(JSON.stringify(exportRecord(e)));
    if (chunk.length >= LINES_PER_CHUNK) {
      yield `${chunk.join('\n')}\n`;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
}

async function* mapCsv(entries: AsyncIterable<ChainEntry>): AsyncGenerator<ReturnType<typeof csvRow>> {
  for await (const e of entries) yield csvRow(e);
}

/** Stdout for an in-process caller that captures text (tests). */
function textSink(io: CliIo): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      io.stdout(chunk.toString());
      done();
    },
  });
}
