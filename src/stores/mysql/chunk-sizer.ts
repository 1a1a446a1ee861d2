/** How a walk sizes its chunks. */
export interface ChunkSizerOptions {
  /** The first chunk's size (rows, or ids in a range step): the target's `batchSize`. */
  initial: number;
  /** Resize chunks by their measured time; false keeps every chunk at `initial`. @defaultValue true */
  adaptive?: boolean;
  /** The time one chunk should take. @defaultValue 20 */
  targetMs?: number;
  /** Chunks whose median time per row steers the size (one outlier does not). @defaultValue 5 */
  window?: number;
}

/**
 * The largest chunk: ten times the configured batch, but an id list of at most 50,000 values
 * keeps a DELETE … IN (…) far below the default max_allowed_packet.
 */
const MAX_ADAPTIVE_CHUNK = 50_000;
const MIN_CHUNK = 100;

/**
 * Sizes chunks by how long they take, not by a fixed count (research lesson 4): a chunk that
 * holds its row locks for a few ms does not hurt foreground latency, a bigger one does, and a
 * loaded server should get smaller chunks. The next size is `targetMs` divided by the median
 * time per row of the last few chunks, moving at most ×1.25 up or ×0.5 down per chunk, within
 * [min(100, initial), max(initial, min(10 × initial, 50,000))]. The time measured is the
 * statement's round trip, which is what a foreground query waiting on our locks experiences.
 */
export class ChunkSizer {
  readonly min: number;
  readonly max: number;
  private current: number;
  private readonly adaptive: boolean;
  private readonly targetMs: number;
  private readonly window: number;
  private readonly perUnit: number[] = [];

  constructor(options: ChunkSizerOptions) {
    const initial = Math.max(1, Math.floor(options.initial));
    this.current = initial;
    this.adaptive = options.adaptive ?? true;
    this.targetMs = options.targetMs ?? 20;
    this.window = Math.max(1, options.window ?? 5);
    this.min = Math.min(MIN_CHUNK, initial);
    this.max = Math.max(initial, Math.min(10 * initial, MAX_ADAPTIVE_CHUNK));
  }

  get size(): number {
    return this.current;
  }

  /** Records how long the last chunk (of the current size) took, in ms, and returns the next size. */
  record(elapsedMs: number): number {
    if (!this.adaptive) return this.current;
    this.perUnit.push(Math.max(elapsedMs, 0.01) / this.current);
    if (this.perUnit.length > this.window) this.perUnit.shift();
    const sorted = [...this.perUnit].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const ideal = median > 0 ? this.targetMs / median : this.max;
    const bounded = Math.min(Math.ceil(this.current * 1.25), Math.max(Math.floor(this.current / 2), Math.round(ideal)));
    this.current = Math.min(this.max, Math.max(this.min, bounded));
    return this.current;
  }
}
