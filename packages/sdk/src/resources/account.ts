import type { GoodTake, RequestOptions } from '../client.ts';
import type { ApiPromise } from '../core/api-promise.ts';
import type { ImageModel } from '../models.ts';

/** The calling account, as its API key sees it. */
export interface AccountInfo {
  readonly id: string;
  readonly name: string;
  /** Credits on the account, reservations included. */
  readonly balance: number;
  /** Credits held for generations still running. */
  readonly reserved: number;
  /** Credits a new request can use: `balance - reserved`. */
  readonly available: number;
  /** The key this call was made with. */
  readonly key: { readonly id: string; readonly name: string; readonly prefix: string };
  /** The key's limits; 0 means unlimited. */
  readonly limits: {
    readonly requests_per_minute: number;
    readonly concurrent_generations: number;
  };
  /** Credits per delivered image, by model. */
  readonly prices: Readonly<Record<ImageModel, number>>;
}

/** `client.account`: the calling account's balance, key and limits. */
export class Account {
  readonly #client: GoodTake;

  constructor(client: GoodTake) {
    this.#client = client;
  }

  /**
   * The account behind the API key: balance, limits, and the price of each model.
   *
   * @example
   * ```ts
   * const account = await client.account.retrieve();
   * console.log(`${account.available} credits available`);
   * ```
   */
  retrieve(options?: RequestOptions): ApiPromise<AccountInfo> {
    return this.#client.request<AccountInfo>({ method: 'GET', path: '/api/v1/account' }, options);
  }
}
