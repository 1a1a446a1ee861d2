/** One problem in the configuration, located by its path (`policies[1].targets[0].table`). */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Bad configuration or usage: exit code 2. Carries every problem found, not only the first. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[] | string) {
    const list = typeof issues === 'string' ? [{ path: '', message: issues }] : issues;
    super(list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'));
    this.name = 'ConfigError';
    this.issues = list;
  }
}
