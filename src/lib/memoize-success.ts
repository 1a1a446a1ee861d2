/**
 * `load`, run once and remembered — unless it fails: a failed attempt is forgotten, so the next
 * call tries again (a target refused for a missing index is checked afresh once the index exists).
 */
export function memoizeSuccess<T>(load: () => Promise<T>): () => Promise<T> {
  let remembered: Promise<T> | null = null;
  return () => {
    if (!remembered) {
      const attempt = load();
      attempt.catch(() => {
        if (remembered === attempt) remembered = null;
      });
      remembered = attempt;
    }
    return remembered;
  };
}
