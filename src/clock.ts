/** The engine's only source of time: injected so tests can pin it, never read from SQL. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock frozen at `at`, optionally advanced by hand. */
export function fixedClock(at: Date | string): Clock & { advance(ms: number): void; set(at: Date | string): void } {
  let current = new Date(at).getTime();
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current += ms;
    },
    set(next: Date | string) {
      current = new Date(next).getTime();
    },
  };
}
