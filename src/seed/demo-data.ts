/**
 * Demo data in the reference data model (../shared/spec/data-model.md), generated from a seeded
 * PRNG so a demo is reproducible. Pure: the store-specific seeders write it.
 */

export const INTERFACES = ['sendmsg', 'batchsendmsg', 'account_import', 'get_history', 'modify_group', 'query_state'] as const;

export interface SeedOptions {
  apps: number;
  days: number;
  rows: number;
  now: Date;
}

export interface DemoAccount {
  appId: string;
  uin: string;
  status: 'active' | 'terminated';
  terminatedAt: Date | null;
  legalHold: boolean;
  configPurgedAt: Date | null;
}

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FIRST_APP_ID = 1_400_000_001n;
const DAY = 86_400_000;

/**
 * Accounts in mixed states: mostly active; terminated ones spread over the last 5 months (so some
 * are past their 2-month deadline and some not), a few on legal hold, one terminated with no date,
 * one reactivated with an old termination date.
 */
export function demoAccounts(options: SeedOptions): DemoAccount[] {
  const rand = prng(42);
  const accounts: DemoAccount[] = [];
  for (let i = 0; i < options.apps; i += 1) {
    const appId = (FIRST_APP_ID + BigInt(i)).toString();
    const uin = (100_000_000n + BigInt(i) * 7n).toString();
    const r = rand();
    const terminatedAt = new Date(options.now.getTime() - Math.floor(rand() * 150 * DAY));
    let account: DemoAccount = { appId, uin, status: 'active', terminatedAt: null, legalHold: false, configPurgedAt: null };
    if (i === 1) account = { ...account, status: 'terminated', terminatedAt: null };
    else if (i === 2) account = { ...account, status: 'active', terminatedAt: new Date(options.now.getTime() - 120 * DAY) };
    else if (r < 0.35) account = { ...account, status: 'terminated', terminatedAt };
    else if (r < 0.4) account = { ...account, status: 'terminated', terminatedAt, legalHold: true };
    accounts.push(account);
  }
  return accounts;
}

/** A time uniformly spread over the last `days` days, at millisecond precision. */
export function spreadTime(rand: () => number, options: SeedOptions): Date {
  return new Date(options.now.getTime() - Math.floor(rand() * options.days * DAY));
}

/** A documentation-range IP (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24): demo data holds no real address. */
export function demoIp(rand: () => number): string {
  const nets = ['192.0.2', '198.51.100', '203.0.113'];
  return `${nets[Math.floor(rand() * nets.length)]}.${1 + Math.floor(rand() * 254)}`;
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}
