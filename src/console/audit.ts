import type { Db } from '../db/database.ts';
import { sortableId } from '../ids.ts';

/** One sensitive action: who did what to which account, when, from where. */
export interface AuditEvent {
  readonly actor: string;
  readonly action: string;
  readonly accountId?: string | null;
  readonly target?: string | null;
  /** Human-readable detail (a reason, an amount); never a secret. */
  readonly detail?: string;
  readonly address?: string | null;
}

export interface AuditEntry extends Required<AuditEvent> {
  readonly id: string;
  readonly at: number;
}

export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  list(filter: {
    limit: number;
    before?: string | undefined;
    accountId?: string | undefined;
    action?: string | undefined;
  }): Promise<AuditEntry[]>;
}

export function createAuditLog(deps: { db: Db; now?: () => number }): AuditLog {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  return {
    async record(e) {
      const at = now();
      await db
        .insertInto('audit_log')
        .values({
          id: sortableId('aud', at),
          at,
          actor: e.actor,
          action: e.action,
          account_id: e.accountId ?? null,
          target: e.target ?? null,
          detail: e.detail ?? '',
          address: e.address ?? null,
        })
        .execute();
    },
    async list({ limit, before, accountId, action }) {
      let q = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit);
      if (before) q = q.where('id', '<', before);
      if (accountId) q = q.where('account_id', '=', accountId);
      if (action) q = q.where('action', '=', action);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        actor: r.actor,
        action: r.action,
        accountId: r.account_id,
        target: r.target,
        detail: r.detail,
        address: r.address,
      }));
    },
  };
}
