// `atrest audit [--since …]`: the audit trail of every key-service call the CLI made on this key
// store, allowed or refused (see audit-file.ts for where it is kept and why).

import type { AuditRecord } from '../../kms/audit.js';
import { readAuditRecords } from '../audit-file.js';
import type { Command } from '../command.js';
import { UsageError } from '../exit-codes.js';
import { keystoreLocation } from '../keystore.js';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since` as an ISO date/time, or a span back from now: 30s, 15m, 2h, 7d. */
export function parseSince(raw: string, now: Date): Date {
  const span = /^(\d+)([smhd])$/.exec(raw);
  if (span) return new Date(now.getTime() - Number(span[1]) * UNIT_MS[span[2]!]!);
  const date = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `audit: --since takes an ISO date or time (2025-01-31, 2025-01-31T12:00:00Z) or a span (30s, 15m, 2h, 7d), got ${JSON.stringify(raw)}`,
    );
  }
  return date;
}

function line(r: AuditRecord): string {
  const outcome = r.outcome === 'Success' ? 'ok' : `FAILED ${r.errorCode ?? ''}`.trimEnd();
  const key = r.keyArn ? ` ${r.keyArn}` : '';
  const grant = r.grantId ? ` (grant ${r.grantId})` : '';
  return `${r.eventTime.toISOString()}  ${r.eventName.padEnd(31)} ${outcome.padEnd(6)} ${r.principal}${key}${grant}`;
}

const audit: Command = {
  words: 'audit',
  synopsis: '[--since 2h | 2025-01-31T12:00Z]',
  summary: 'show the audit trail of key-service calls',
  options: { since: 'value' },
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx) {
    const sinceRaw = ctx.args.values.get('since');
    const since = sinceRaw === undefined ? undefined : parseSince(sinceRaw, new Date());
    // The trail is read without opening the key store: it holds no secrets, and reading it
    // should not need the root key.
    const records = (await readAuditRecords(keystoreLocation(ctx.env, ctx.cwd).auditPath)).filter(
      (r) => since === undefined || r.eventTime.getTime() >= since.getTime(),
    );
    ctx.out.result(
      records.length === 0 ? ['no audit records' + (since ? ` since ${since.toISOString()}` : '')] : records.map(line),
      { Records: records },
    );
  },
};

export const auditCommands: Command[] = [audit];
