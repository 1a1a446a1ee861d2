import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ConnectionOptions } from 'node:tls';

/**
 * A bare RESP2 connection for the one loop where the client's cost per key sets the purge's pace:
 * SCAN pages read where they lie in the socket's buffer and due names copied from there straight
 * into UNLINK. Hand-written on purpose, for this loop only (everything else uses ioredis): ioredis
 * turns every key of every SCAN reply into a Buffer in an array and encodes every UNLINK argument
 * again; on 1 M keys that cost the worker 2–4 s of CPU and kept Redis waiting, against 0.4 s here
 * (docs/benchmarks.md, "Redis keys judged in place"). It speaks only what the loop needs — AUTH,
 * SELECT, SCAN, UNLINK — in order on one socket, several commands in flight.
 */

/** What the connection needs from the store's ioredis options (`Redis#options`). */
export interface RespEndpoint {
  host?: string | undefined;
  port?: number | undefined;
  /** A Unix socket instead of host and port. */
  path?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  db?: number | undefined;
  tls?: ConnectionOptions | undefined;
  /** How long connecting may take. */
  connectTimeout?: number | undefined;
  /** How long the oldest command may wait for its reply; also how long an idle connection is kept. */
  commandTimeout?: number | undefined;
}

/** One SCAN reply: the next cursor and the keys as byte ranges of `bytes` (never copied). */
export interface ScanPageView {
  cursor: string;
  bytes: Buffer;
  /** Start and end offsets in `bytes` of each key, in pairs. */
  ranges: Int32Array;
}

type Pending =
  | { kind: 'scan'; resolve: (page: ScanPageView) => void; reject: (err: Error) => void }
  | { kind: 'integer' | 'ok'; resolve: (n: number) => void; reject: (err: Error) => void };

const CR = 13;
const EMPTY = Buffer.alloc(0);

/** An error reply, or the socket's end: the message says which, never a key or a password. */
function replyError(line: string): Error {
  return new Error(`Redis replied ${line.slice(0, 200)}`);
}

export class RespScanConnection {
  readonly #socket: net.Socket;
  readonly #pending: Pending[] = [];
  #buffer: Buffer = EMPTY;
  #closed: Error | null = null;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (err: Error) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('Connection is closed.')));
    socket.on('timeout', () => {
      // Idle: let it go quietly. Waiting on a reply: the server stalled.
      if (this.#pending.length === 0) this.close();
      else this.#fail(new Error('Command timed out'));
    });
  }

  /** Connects, authenticates and selects the database; rejects with the server's or the socket's error. */
  static async open(endpoint: RespEndpoint): Promise<RespScanConnection> {
    const host = endpoint.host ?? '127.0.0.1';
    const port = endpoint.port ?? 6379;
    const socket = endpoint.tls
      ? tls.connect({ host, port, servername: host, ...endpoint.tls })
      : endpoint.path
        ? net.connect({ path: endpoint.path })
        : net.connect({ host, port });
    // Never what keeps the process alive: a walk the engine stops early leaves it to time out.
    socket.unref();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
      }, endpoint.connectTimeout ?? 5000);
      timer.unref();
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    socket.setTimeout(endpoint.commandTimeout ?? 10_000);
    const connection = new RespScanConnection(socket);
    try {
      if (endpoint.password) {
        await connection.#command(endpoint.username ? ['AUTH', endpoint.username, endpoint.password] : ['AUTH', endpoint.password], 'ok');
      }
      if (endpoint.db) await connection.#command(['SELECT', String(endpoint.db)], 'ok');
    } catch (err) {
      connection.close();
      throw err;
    }
    return connection;
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  scan(cursor: string, match: string, count: number): Promise<ScanPageView> {
    return new Promise((resolve, reject) => {
      if (!this.#send(encode(['SCAN', cursor, 'MATCH', match, 'COUNT', String(count)]), reject)) return;
      this.#pending.push({ kind: 'scan', resolve, reject });
    });
  }

  /** UNLINK of the keys at `ranges` of `bytes` (pairs of offsets), copied into the command as they lie; resolves to the keys removed. */
  unlink(bytes: Buffer, ranges: Int32Array | readonly number[]): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.#send(encodeUnlink(bytes, ranges), reject)) return;
      this.#pending.push({ kind: 'integer', resolve, reject });
    });
  }

  close(): void {
    this.#fail(new Error('Connection is closed.'));
  }

  #command(args: string[], kind: 'ok' | 'integer'): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.#send(encode(args), reject)) return;
      this.#pending.push({ kind, resolve, reject });
    });
  }

  #send(command: Buffer, reject: (err: Error) => void): boolean {
    if (this.#closed) {
      reject(this.#closed);
      return false;
    }
    this.#socket.write(command);
    return true;
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#closed = err;
    this.#socket.destroy();
    for (const pending of this.#pending.splice(0)) pending.reject(err);
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let offset = 0;
    while (this.#pending.length > 0) {
      const pending = this.#pending[0]!;
      const parsed = pending.kind === 'scan' ? parseScan(this.#buffer, offset) : parseLine(this.#buffer, offset);
      if (parsed === null) break;
      this.#pending.shift();
      offset = parsed.next;
      if (parsed.error) pending.reject(parsed.error);
      else if (pending.kind === 'scan') pending.resolve((parsed as ParsedScan).page);
      else pending.resolve((parsed as ParsedLine).value);
    }
    this.#buffer = offset >= this.#buffer.length ? EMPTY : this.#buffer.subarray(offset);
  }
}

interface ParsedLine {
  next: number;
  value: number;
  error?: Error;
}

interface ParsedScan {
  next: number;
  page: ScanPageView;
  error?: Error;
}

/** `:n`, `+OK` or `-ERR …` at `offset`; null when the line is not all here. */
function parseLine(b: Buffer, offset: number): ParsedLine | null {
  const end = b.indexOf(CR, offset);
  if (end < 0 || end + 1 >= b.length) return null;
  const text = b.toString('latin1', offset + 1, end);
  const next = end + 2;
  if (b[offset] === 0x2d) return { next, value: 0, error: replyError(text) };
  if (b[offset] === 0x3a) return { next, value: Number(text) };
  return { next, value: 0 };
}

/** Reads a decimal length after a type byte at `offset`; null when incomplete. */
function readLength(b: Buffer, offset: number): { value: number; next: number } | null {
  const end = b.indexOf(CR, offset);
  if (end < 0 || end + 1 >= b.length) return null;
  let value = 0;
  let sign = 1;
  for (let i = offset + 1; i < end; i += 1) {
    const byte = b[i]!;
    if (byte === 0x2d) sign = -1;
    else value = value * 10 + (byte - 0x30);
  }
  return { value: sign * value, next: end + 2 };
}

/** `*2 $cursor *N $key…` at `offset`, keys as ranges of `b`; an error line as an error; null when incomplete. */
function parseScan(b: Buffer, offset: number): ParsedScan | ParsedLine | null {
  if (offset >= b.length) return null;
  if (b[offset] === 0x2d) return parseLine(b, offset);
  const outer = readLength(b, offset);
  if (!outer) return null;
  const cursorLength = readLength(b, outer.next);
  if (!cursorLength || cursorLength.next + cursorLength.value + 2 > b.length) return null;
  const cursor = b.toString('latin1', cursorLength.next, cursorLength.next + cursorLength.value);
  const keys = readLength(b, cursorLength.next + cursorLength.value + 2);
  if (!keys) return null;
  const ranges = new Int32Array(keys.value * 2);
  let at = keys.next;
  for (let k = 0; k < keys.value; k += 1) {
    const length = readLength(b, at);
    if (!length || length.next + length.value + 2 > b.length) return null;
    ranges[2 * k] = length.next;
    ranges[2 * k + 1] = length.next + length.value;
    at = length.next + length.value + 2;
  }
  return { next: at, page: { cursor, bytes: b, ranges } };
}

function encode(args: readonly string[]): Buffer {
  let text = `*${args.length}\r\n`;
  for (const arg of args) text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return Buffer.from(text);
}

/** `UNLINK key…` with each key's bytes copied from `bytes`: one allocation for the whole command. */
function encodeUnlink(bytes: Buffer, ranges: Int32Array | readonly number[]): Buffer {
  const count = ranges.length / 2;
  let size = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const length = ranges[i + 1]! - ranges[i]!;
    size += 1 + String(length).length + 2 + length + 2;
  }
  const head = `*${count + 1}\r\n$6\r\nUNLINK\r\n`;
  const out = Buffer.allocUnsafe(head.length + size);
  let at = out.write(head, 0, 'latin1');
  for (let i = 0; i < ranges.length; i += 2) {
    const start = ranges[i]!;
    const end = ranges[i + 1]!;
    at += out.write(`$${end - start}\r\n`, at, 'latin1');
    at += bytes.copy(out, at, start, end);
    out[at++] = CR;
    out[at++] = 10;
  }
  return out;
}
