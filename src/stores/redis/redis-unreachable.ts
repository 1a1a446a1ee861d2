import { StoreError } from '../../errors/index.js';
import type { AgePurger, PurgeWalk, SubjectPurger } from '../purger.js';

/** `host:port` of each configured endpoint: never user or password. */
export function redisEndpoints(config: { url?: string | undefined; nodes?: readonly string[] | undefined }): string {
  const urls = config.nodes && config.nodes.length > 0 ? config.nodes : config.url ? [config.url] : [];
  return urls.map(hostPort).join(', ');
}

function hostPort(url: string): string {
  try {
    const parsed = new URL(url.includes('://') ? url : `redis://${url}`);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return '(an unparsable address)';
  }
}

/**
 * ioredis reports a server it cannot reach as "Reached the max retries per request limit" or
 * "Connection is closed": true, and useless to an operator. These say which server, and why the
 * connection last failed (a refused connection, WRONGPASS — Redis's own words, never the password).
 */
const UNREACHABLE = [
  /max retries per request/i,
  /connection is closed/i,
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND/,
  /^(WRONGPASS|NOAUTH)/,
];

export class RedisErrorTranslator {
  #lastConnectionError: string | null = null;

  constructor(readonly endpoints: string) {}

  /** Called with every connection error the client emits; cleared when it is ready again. */
  connectionError(err: Error): void {
    this.#lastConnectionError = firstLine(err.message);
  }

  connected(): void {
    this.#lastConnectionError = null;
  }

  /** The error a caller sees: "Redis at host:port is unreachable (…)" for a connection failure, else as is. */
  translate(err: unknown): unknown {
    if (err instanceof StoreError || !(err instanceof Error)) return err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!UNREACHABLE.some((re) => re.test(err.message) || re.test(code))) return err;
    const why = this.#lastConnectionError ?? firstLine(err.message);
    return new StoreError('redis', `Redis at ${this.endpoints} is unreachable (${why})`, { cause: err });
  }

  /** The purger, with every failure of its calls translated. */
  agePurger(purger: AgePurger): AgePurger {
    const rethrow = this.#rethrow;
    return {
      ...this.#sharedMembers(purger),
      count: (cutoff) => purger.count(cutoff).catch(rethrow),
      openWalk: (cutoff): PurgeWalk => {
        const walk = purger.openWalk(cutoff);
        return { nextBatch: () => walk.nextBatch().catch(rethrow) };
      },
      inspect: (before) => purger.inspect(before).catch(rethrow),
    };
  }

  subjectPurger(purger: SubjectPurger): SubjectPurger {
    const rethrow = this.#rethrow;
    return {
      ...this.#sharedMembers(purger),
      countSubjects: (ids) => purger.countSubjects(ids).catch(rethrow),
      purgeSubjects: (ids) => purger.purgeSubjects(ids).catch(rethrow),
    };
  }

  readonly #rethrow = (err: unknown): never => {
    throw this.translate(err);
  };

  /** What both kinds of purger share: every member bound, `check` translated. */
  #sharedMembers<P extends AgePurger | SubjectPurger>(purger: P): P {
    return {
      // Optional members the contract may grow (nativeExpiry, countUnusable…) are kept, bound.
      ...bindAll(purger),
      store: purger.store,
      target: purger.target,
      check: () => purger.check().catch(this.#rethrow),
    };
  }
}

function bindAll<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(o) : v;
  return out as T;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 200);
}
