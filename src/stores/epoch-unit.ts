import { RefusalError } from '../errors/refusal-error.js';

/**
 * 10^11: as milliseconds 1973-03-03, as seconds the year 5138. Every real epoch_ms time is above
 * it and every real epoch_s time below, so one stored value tells the two units apart.
 */
export const EPOCH_UNIT_BOUNDARY = 100_000_000_000;

/**
 * The refusal for a time field whose smallest positive stored value does not fit its declared
 * unit, or null. Seconds read as milliseconds all fall in January 1970, before any cutoff: the
 * whole target — records dated tomorrow included — would be due. Milliseconds read as seconds
 * lie past the year 5000: nothing would ever be due. Stores read that value through the time index.
 */
export function epochUnitRefusal(where: string, format: 'epoch_ms' | 'epoch_s', smallestPositive: number): RefusalError | null {
  if (format === 'epoch_ms' && smallestPositive < EPOCH_UNIT_BOUNDARY) {
    return new RefusalError(
      'implausible-time',
      `${where} holds values that read as ${new Date(smallestPositive).toISOString()} under timeFormat epoch_ms: they look like epoch seconds (set timeFormat: epoch_s); as declared, every such record would be due`,
    );
  }
  if (format === 'epoch_s' && smallestPositive >= EPOCH_UNIT_BOUNDARY) {
    return new RefusalError(
      'implausible-time',
      `${where} holds only values past the year 5000 under timeFormat epoch_s: they look like epoch milliseconds (set timeFormat: epoch_ms); as declared, nothing would ever be due`,
    );
  }
  return null;
}
