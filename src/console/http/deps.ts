import type { AccountService } from '../../accounts/accounts.ts';
import type { Catalog } from '../../catalog/types.ts';
import type { GenerationCallDeps } from '../../http/generation-call.ts';
import type { ModelDirectory } from '../../http/routes/openai/model-directory.ts';
import type { KeyService } from '../../keys/api-keys.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import type { Logger } from '../../log.ts';
import type { ConsoleServices } from '../services.ts';
import type { SecureCookieMode } from './session.ts';

/** What an operator's health page shows, gathered by the composition root. */
export interface HealthReport {
  /** Every configured provider (the catalog routes models to them). */
  readonly providers: ReadonlyArray<{ id: string; description: string }>;
  readonly database: string;
  readonly storage: string;
  /** Where the upstream throughput guards count (each provider's limit is in its description). */
  readonly throughput: string;
  /** The configuration in force, secrets masked. */
  readonly config: Readonly<Record<string, string>>;
}

export interface ConsoleRouteDeps extends GenerationCallDeps {
  readonly console: ConsoleServices;
  readonly accounts: AccountService;
  readonly keys: KeyService;
  readonly ledger: Ledger;
  readonly models: ModelDirectory;
  /** The models served (the catalog): the playground's models, sizes and prompt modes. */
  readonly catalog: Catalog;
  readonly bodyLimitBytes: number;
  readonly publicBaseUrl: string | undefined;
  /** Where people reach the console, for one-time links (else the request's own origin). */
  readonly consoleUrl: string | undefined;
  readonly secureCookie: SecureCookieMode;
  readonly health: () => HealthReport;
  readonly log: Logger;
}
