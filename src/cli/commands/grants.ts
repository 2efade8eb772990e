// `atrest grants …`: create, list, retire and revoke grants — permissions on one key for one
// principal, optionally bound to an encryption context, without editing the key policy.

import type { GrantConstraints, GrantOperation } from '../../kms/types.js';
import { GRANT_OPERATIONS } from '../../kms/grants.js';
import { keyValuePairs } from '../args.js';
import { positional, type Command } from '../command.js';
import { UsageError } from '../exit-codes.js';
import { table } from '../output.js';
import { allPages } from '../pages.js';

function operations(raw: string | undefined, where: string): GrantOperation[] {
  if (raw === undefined)
    throw new UsageError(`${where}: --operations is required (comma-separated: ${GRANT_OPERATIONS.join(',')})`);
  const ops = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const op of ops) {
    if (!GRANT_OPERATIONS.includes(op as GrantOperation))
      throw new UsageError(
        `${where}: --operations: unknown operation ${JSON.stringify(op)} (known: ${GRANT_OPERATIONS.join(', ')})`,
      );
  }
  if (ops.length === 0) throw new UsageError(`${where}: --operations names no operation`);
  return ops as GrantOperation[];
}

const create: Command = {
  words: 'grants create',
  synopsis:
    '<key> --grantee <arn> --operations Decrypt,… [--retiring-principal <arn>] [--name n] [--context-equals k=v …] [--context-subset k=v …]',
  summary: 'give a principal operations on one key',
  options: {
    grantee: 'value',
    operations: 'value',
    'retiring-principal': 'value',
    name: 'value',
    'context-equals': 'list',
    'context-subset': 'list',
  },
  positionals: { min: 1, max: 1, names: '<key>' },
  async run(ctx) {
    const where = 'grants create';
    const grantee = ctx.args.values.get('grantee');
    if (grantee === undefined) throw new UsageError(`${where}: --grantee <principal arn> is required`);
    const ops = operations(ctx.args.values.get('operations'), where);
    const equals = keyValuePairs(ctx.args, 'context-equals', where);
    const subset = keyValuePairs(ctx.args, 'context-subset', where);
    if (equals !== undefined && subset !== undefined)
      throw new UsageError(`${where}: give --context-equals or --context-subset, not both`);
    const constraints: GrantConstraints | undefined = equals
      ? { EncryptionContextEquals: equals }
      : subset
        ? { EncryptionContextSubset: subset }
        : undefined;
    const retiring = ctx.args.values.get('retiring-principal');
    const name = ctx.args.values.get('name');
    const kms = await ctx.kms();
    const r = await kms.createGrant({
      KeyId: positional(ctx, 0),
      GranteePrincipal: grantee,
      Operations: ops,
      ...(constraints ? { Constraints: constraints } : {}),
      ...(retiring ? { RetiringPrincipal: retiring } : {}),
      ...(name ? { Name: name } : {}),
    });
    ctx.out.result(
      [
        `grant ${r.GrantId}: ${grantee} may ${ops.join(', ')} with ${positional(ctx, 0)}`,
        `grant token: ${r.GrantToken}`,
      ],
      r,
    );
  },
};

const list: Command = {
  words: 'grants list',
  synopsis: '<key> [--grantee <arn>]',
  summary: 'list the grants of a key',
  options: { grantee: 'value' },
  positionals: { min: 1, max: 1, names: '<key>' },
  async run(ctx) {
    const kms = await ctx.kms();
    const grantee = ctx.args.values.get('grantee');
    const grants = await allPages(
      (Marker) =>
        kms.listGrants({
          KeyId: positional(ctx, 0),
          ...(grantee ? { GranteePrincipal: grantee } : {}),
          ...(Marker ? { Marker } : {}),
        }),
      (r) => r.Grants,
    );
    const constraint = (c: GrantConstraints | undefined) => {
      const pairs = c?.EncryptionContextEquals ?? c?.EncryptionContextSubset;
      if (pairs === undefined) return '';
      return `${c?.EncryptionContextEquals ? 'context =' : 'context ⊇'} ${Object.entries(pairs)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`;
    };
    const lines =
      grants.length === 0
        ? [`no grants on ${positional(ctx, 0)}`]
        : table(
            ['GRANT ID', 'GRANTEE', 'OPERATIONS', 'CONSTRAINTS'],
            grants.map((g) => [g.GrantId, g.GranteePrincipal, g.Operations.join(','), constraint(g.Constraints)]),
          );
    ctx.out.result(lines, { Grants: grants });
  },
};

const retire: Command = {
  words: 'grants retire',
  synopsis: '(<key> <grant-id> | --token <grant token>)',
  summary: 'retire a grant (as its retiring principal or grantee)',
  options: { token: 'value' },
  positionals: { min: 0, max: 2, names: '<key> <grant-id>' },
  async run(ctx) {
    const token = ctx.args.values.get('token');
    const [keyId, grantId] = ctx.args.positionals;
    if (token === undefined && (keyId === undefined || grantId === undefined)) {
      throw new UsageError('grants retire: name the grant with <key> <grant-id>, or give --token <grant token>');
    }
    const kms = await ctx.kms();
    await kms.retireGrant(
      token !== undefined
        ? { GrantToken: token, ...(keyId ? { KeyId: keyId } : {}), ...(grantId ? { GrantId: grantId } : {}) }
        : { KeyId: keyId!, GrantId: grantId! },
    );
    ctx.out.result([`grant ${grantId ?? '(by token)'} retired`], { Retired: true, GrantId: grantId ?? null });
  },
};

const revoke: Command = {
  words: 'grants revoke',
  synopsis: '<key> <grant-id>',
  summary: 'revoke a grant (as a key administrator)',
  options: {},
  positionals: { min: 2, max: 2, names: '<key> <grant-id>' },
  async run(ctx) {
    const kms = await ctx.kms();
    await kms.revokeGrant({ KeyId: positional(ctx, 0), GrantId: positional(ctx, 1) });
    ctx.out.result([`grant ${positional(ctx, 1)} revoked`], { Revoked: true, GrantId: positional(ctx, 1) });
  },
};

export const grantCommands: Command[] = [create, list, retire, revoke];
