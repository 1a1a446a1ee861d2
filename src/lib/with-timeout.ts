/**
 * Waits for `work` at most `timeoutMs`, then rejects with "no answer within N ms": a server that
 * cannot be reached is slow to say no. The work is not cancelled, only no longer waited for; the
 * timer never outlives the wait.
 */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
