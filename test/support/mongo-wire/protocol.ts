/**
 * MongoDB wire protocol framing: splitting a byte stream into messages, decoding the request
 * opcodes a driver sends (OP_QUERY for the legacy handshake, OP_MSG for everything else) and
 * encoding the matching replies (OP_REPLY, OP_MSG).
 *
 * Reference: https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 */
import { BSON, type Document } from 'mongodb';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

const HEADER_SIZE = 16;
/** mongod rejects anything above maxMessageSizeBytes (48 MB); allow a little slack for headers. */
export const MAX_MESSAGE_SIZE = 48_000_000 + 16 * 1024;

/** OP_MSG flag bits. */
const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;

/**
 * How request documents are decoded. int64 becomes bigint so that Long values survive a
 * round trip (a promoted JS number would be written back as int32/double); everything else
 * is promoted to plain JS values (numbers, strings, Date, RegExp) that mingo understands.
 */
const DESERIALIZE_OPTIONS: BSON.DeserializeOptions = {
  useBigInt64: true,
  promoteValues: true,
  promoteBuffers: false,
  bsonRegExp: false,
};

/** Replies never contain `undefined`; drop it rather than writing BSON null. */
const SERIALIZE_OPTIONS: BSON.SerializeOptions = { ignoreUndefined: true, checkKeys: false };

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export interface MessageHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** A legacy OP_QUERY; drivers only send it for the initial `hello`/`isMaster`. */
export interface QueryRequest {
  kind: 'query';
  header: MessageHeader;
  flags: number;
  fullCollectionName: string;
  numberToSkip: number;
  numberToReturn: number;
  query: Document;
}

/** An OP_MSG with its document sequences (kind 1 sections) merged into the body as arrays. */
export interface MsgRequest {
  kind: 'msg';
  header: MessageHeader;
  flagBits: number;
  /** The client does not want a reply (unacknowledged write). */
  moreToCome: boolean;
  body: Document;
}

export interface UnsupportedRequest {
  kind: 'unsupported';
  header: MessageHeader;
}

export type WireRequest = QueryRequest | MsgRequest | UnsupportedRequest;

/**
 * Accumulates socket chunks and hands out complete messages (header included). Chunks are only
 * joined once a whole message is there, so a 48 MB insert costs one copy, not one per chunk.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    while (this.buffered >= 4) {
      const length = this.join(4).readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        throw new ProtocolError(`invalid message length ${length}`);
      }
      if (this.buffered < length) break;
      const all = this.join(this.buffered);
      frames.push(all.subarray(0, length));
      const rest = all.subarray(length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return frames;
  }

  /** Makes the first chunk hold at least `bytes` bytes (merging chunks if needed) and returns it. */
  private join(bytes: number): Buffer {
    let first = this.chunks[0] as Buffer;
    if (first.length < bytes) {
      first = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [first];
    }
    return first;
  }
}

export function parseRequest(frame: Buffer): WireRequest {
  const header: MessageHeader = {
    messageLength: frame.readInt32LE(0),
    requestId: frame.readInt32LE(4),
    responseTo: frame.readInt32LE(8),
    opCode: frame.readInt32LE(12),
  };
  switch (header.opCode) {
    case OP_MSG:
      return parseOpMsg(header, frame);
    case OP_QUERY:
      return parseOpQuery(header, frame);
    default:
      return { kind: 'unsupported', header };
  }
}

function parseOpMsg(header: MessageHeader, frame: Buffer): MsgRequest {
  const flagBits = frame.readUInt32LE(HEADER_SIZE);
  const end = flagBits & CHECKSUM_PRESENT ? frame.length - 4 : frame.length;
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];

  while (offset < end) {
    const kind = frame.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (body) throw new ProtocolError('OP_MSG contains more than one body section');
      const read = readDocument(frame, offset, end);
      body = read.document;
      offset = read.next;
    } else if (kind === 1) {
      const sectionEnd = offset + frame.readInt32LE(offset);
      if (sectionEnd > end) throw new ProtocolError('OP_MSG document sequence overruns message');
      const name = readCString(frame, offset + 4);
      const documents: Document[] = [];
      let cursor = name.next;
      while (cursor < sectionEnd) {
        const read = readDocument(frame, cursor, sectionEnd);
        documents.push(read.document);
        cursor = read.next;
      }
      sequences.push([name.value, documents]);
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError('OP_MSG without a body section');
  for (const [name, documents] of sequences) {
    if (name in body) throw new ProtocolError(`duplicate field '${name}' in OP_MSG`);
    body[name] = documents;
  }
  return { kind: 'msg', header, flagBits, moreToCome: (flagBits & MORE_TO_COME) !== 0, body };
}

function parseOpQuery(header: MessageHeader, frame: Buffer): QueryRequest {
  let offset = HEADER_SIZE;
  const flags = frame.readInt32LE(offset);
  const name = readCString(frame, offset + 4);
  offset = name.next;
  const numberToSkip = frame.readInt32LE(offset);
  const numberToReturn = frame.readInt32LE(offset + 4);
  const query = readDocument(frame, offset + 8, frame.length).document;
  // A trailing returnFieldsSelector is irrelevant for commands.
  return {
    kind: 'query',
    header,
    flags,
    fullCollectionName: name.value,
    numberToSkip,
    numberToReturn,
    query,
  };
}

function readCString(buffer: Buffer, offset: number): { value: string; next: number } {
  const zero = buffer.indexOf(0, offset);
  if (zero === -1) throw new ProtocolError('unterminated cstring');
  return { value: buffer.toString('utf8', offset, zero), next: zero + 1 };
}

function readDocument(buffer: Buffer, offset: number, limit: number): { document: Document; next: number } {
  if (offset + 5 > limit) throw new ProtocolError('truncated BSON document');
  const size = buffer.readInt32LE(offset);
  if (size < 5 || offset + size > limit) throw new ProtocolError(`invalid BSON document size ${size}`);
  const document = BSON.deserialize(buffer.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  return { document, next: offset + size };
}

function serialize(document: Document): Buffer {
  try {
    const bytes = BSON.serialize(document, SERIALIZE_OPTIONS);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    // bson serialises through a shared ~17 MB scratch buffer; grow it for a (rare) bigger reply.
    if (!(error instanceof RangeError)) throw error;
    BSON.setInternalBufferSize(BSON.calculateObjectSize(document, SERIALIZE_OPTIONS));
    const bytes = BSON.serialize(document, SERIALIZE_OPTIONS);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}

function writeHeader(buffer: Buffer, requestId: number, responseTo: number, opCode: number): void {
  buffer.writeInt32LE(buffer.length, 0);
  buffer.writeInt32LE(requestId, 4);
  buffer.writeInt32LE(responseTo, 8);
  buffer.writeInt32LE(opCode, 12);
}

/** OP_REPLY carrying a single document, as mongod answers a legacy OP_QUERY command. */
export function encodeOpReply(requestId: number, responseTo: number, document: Document, responseFlags = 0): Buffer {
  const body = serialize(document);
  const message = Buffer.alloc(HEADER_SIZE + 20 + body.length);
  writeHeader(message, requestId, responseTo, OP_REPLY);
  message.writeInt32LE(responseFlags, 16);
  message.writeBigInt64LE(0n, 20); // cursorID
  message.writeInt32LE(0, 28); // startingFrom
  message.writeInt32LE(1, 32); // numberReturned
  body.copy(message, 36);
  return message;
}

/** OP_MSG with a single body section and no flags. */
export function encodeOpMsg(requestId: number, responseTo: number, document: Document): Buffer {
  const body = serialize(document);
  const message = Buffer.alloc(HEADER_SIZE + 5 + body.length);
  writeHeader(message, requestId, responseTo, OP_MSG);
  message.writeUInt32LE(0, 16); // flagBits
  message.writeUInt8(0, 20); // section kind 0
  body.copy(message, 21);
  return message;
}

/** BSON size of a document, used to keep cursor batches under the 16 MiB reply limit. */
export function bsonSize(document: Document): number {
  return BSON.calculateObjectSize(document, SERIALIZE_OPTIONS);
}
