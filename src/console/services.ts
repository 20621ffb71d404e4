import type { Db } from '../db/database.ts';
import type { LedgerKind } from '../db/schema.ts';
import { type AuditLog, createAuditLog } from './audit.ts';
import type { Mailer } from './mail.ts';
import { createGenerationReports, type GenerationReports } from './reports/generations.ts';
import { type LedgerHistoryEntry, ledgerHistory } from './reports/ledger-history.ts';
import { type DailyUsage, dailyUsage } from './reports/usage-daily.ts';
import { createSessionService, type SessionService } from './users/sessions.ts';
import {
  createSignInThrottle,
  type SignInThrottle,
  type ThrottleSettings,
} from './users/throttle.ts';
import { createUserService, type UserService } from './users/users.ts';

/** What the console's API runs on, besides the accounts, keys and ledger of the core. */
export interface ConsoleServices {
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly throttle: SignInThrottle;
  readonly audit: AuditLog;
  readonly generations: GenerationReports;
  /** Sends invitations and resets when SMTP is configured. */
  readonly mailer: Mailer | undefined;
  ledgerHistory(
    accountId: string,
    options: { limit: number; before?: string | undefined; kinds?: readonly LedgerKind[] },
  ): Promise<{ entries: LedgerHistoryEntry[]; next: string | null }>;
  dailyUsage(filter: {
    accountId: string;
    from: number;
    to: number;
    model?: string;
    keyId?: string;
  }): Promise<DailyUsage[]>;
}

export function createConsoleServices(deps: {
  db: Db;
  sessionTtlMs: number;
  mailer?: Mailer | undefined;
  throttle?: ThrottleSettings;
  now?: () => number;
}): ConsoleServices {
  const { db } = deps;
  const now = deps.now ? { now: deps.now } : {};
  return {
    users: createUserService({ db, ...now }),
    sessions: createSessionService({ db, ttlMs: deps.sessionTtlMs, ...now }),
    throttle: createSignInThrottle({
      db,
      ...(deps.throttle ? { settings: deps.throttle } : {}),
      ...now,
    }),
    audit: createAuditLog({ db, ...now }),
    generations: createGenerationReports({ db }),
    mailer: deps.mailer,
    ledgerHistory: (accountId, options) => ledgerHistory(db, accountId, options),
    dailyUsage: (filter) => dailyUsage(db, filter),
  };
}
