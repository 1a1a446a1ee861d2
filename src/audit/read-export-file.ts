import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { UsageError } from '../errors/index.js';
import { entryFromExport, malformed, type ExportFormat } from './export-format.js';
import type { ChainEntry } from './stream-entries.js';

/** An entry read from an export file, with the line it starts on (for messages). */
export interface ExportedEntry extends ChainEntry {
  line: number;
}

/**
 * The entries of an `audit export` file, one at a time (memory stays flat). The format is told
 * by the first byte: `{` is JSON Lines, anything else CSV with its header row. A line that is
 * not an exported entry throws UsageError naming the file and line (exit 2).
 */
export async function* readExportFile(file: string): AsyncGenerator<ExportedEntry, void, undefined> {
  const format = await sniffFormat(file);
  if (format === 'jsonl') yield* readJsonLines(file);
  else yield* readCsv(file);
}

async function sniffFormat(file: string): Promise<ExportFormat> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as { code?: string }).code ?? String(err)}`);
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1), 0, 1, 0);
    return bytesRead === 1 && buffer[0] === 0x7b ? 'jsonl' : 'csv';
  } finally {
    await handle.close();
  }
}

async function* readJsonLines(file: string): AsyncGenerator<ExportedEntry, void, undefined> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (text.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw malformed(file, n, 'not valid JSON');
    }
    yield { ...entryFromExport(raw, 'jsonl', file, n), line: n };
  }
}

async function* readCsv(file: string): AsyncGenerator<ExportedEntry, void, undefined> {
  // RFC 4180 through csv-parse: quoted fields may hold commas, quotes and line breaks.
  const parser = createReadStream(file).pipe(parse({ columns: true, info: true, bom: true, skip_empty_lines: true }));
  try {
    for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { ...entryFromExport(row.record, 'csv', file, row.info.lines), line: row.info.lines };
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const line = (err as { lines?: unknown }).lines;
    throw malformed(file, typeof line === 'number' ? line : 0, `not valid CSV (${(err as Error).message})`);
  }
}
