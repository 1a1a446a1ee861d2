/** What `withinTimeLimit` resolves to when the limit passed first. */
export const EXPIRED = Symbol('expired');

/**
 * Waits for `work` at most until `deadline` (a `performance.now()` value). The work is not
 * cancelled — no driver call can be — only no longer waited for; its later failure is swallowed.
 * Wall-clock time on purpose: this bounds how long account rows stay locked, whatever the
 * injected clock says.
 */
export async function withinTimeLimit<T>(work: Promise<T>, deadline: number): Promise<T | typeof EXPIRED> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof EXPIRED>((resolve) => {
    timer = setTimeout(() => resolve(EXPIRED), Math.max(0, deadline - performance.now()));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
