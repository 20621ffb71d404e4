/**
 * The largest credit amounts the ledger accepts. Amounts and balances are bigint columns
 * (64-bit on SQLite and PostgreSQL) read into JavaScript numbers, so both bounds are well
 * below 2^53 - 1, the largest integer a number holds exactly; sums over an account's whole
 * history (`credits verify`) are read as exact decimal text instead, and stay exact up to the
 * 64-bit limit, 9.2 * 10^18 per account and kind of entry.
 */

/** Largest single grant, adjustment or reservation: 10^12 credits. */
export const MAX_CREDIT_AMOUNT = 1_000_000_000_000;

/** Largest balance an account may hold: 10^15 credits. */
export const MAX_BALANCE = 1_000_000_000_000_000;

/** A refused amount, with a message fit for an operator or an API client. */
export class CreditLimitError extends RangeError {
  override name = 'CreditLimitError';
}

/** Why `amount` cannot be a single ledger amount, or undefined. */
export function amountProblem(what: string, amount: number): string | undefined {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_CREDIT_AMOUNT) {
    return `${what} must be a whole number of credits from 1 to ${MAX_CREDIT_AMOUNT.toLocaleString('en-US')}`;
  }
  return undefined;
}

/** A number of credits as exactly as it can be shown: a number when safe, else its digits. */
export function exactCredits(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}
