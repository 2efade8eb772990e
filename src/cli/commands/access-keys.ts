// `atrest access-keys create|list|delete`: the credentials `atrest serve` accepts, each acting
// as one principal. The table is sealed beside the key store under the key store's secret
// (checked against the key store first), with its own short lock, so these commands work
// whether or not a server runs on the key store; a running server sees changes within a second.

import { join } from 'node:path';
import { pathExists } from '../../fs/fs-helpers.js';
import { checkKeystoreSecret, newAccessKey, readAccessKeys, updateAccessKeys } from '../../kms/server/index.js';
import type { KeystoreSecret } from '../../kms/sealed-state.js';
import type { Command, CommandContext } from '../command.js';
import { UsageError } from '../exit-codes.js';
import { keystoreLocation, obtainSecret, wipe, type KeystoreLocation } from '../keystore.js';
import { positional } from '../command.js';

export function accessKeyPath(location: KeystoreLocation): string {
  return join(location.home, 'access-keys');
}

/** The key store's secret, checked against the key store; creates the key store if it is new. */
async function secretFor(ctx: CommandContext): Promise<{ secret: KeystoreSecret; location: KeystoreLocation }> {
  const location = keystoreLocation(ctx.env, ctx.cwd);
  if (!(await pathExists(location.keystorePath))) {
    // A new key store: create it (asking for a new passphrase if need be), so the access keys
    // are sealed under the secret it will always have.
    const created = await ctx.keystoreFile();
    await created.store.close();
    return { secret: created.secret, location };
  }
  const { secret } = await obtainSecret(ctx.env, location, false);
  await checkKeystoreSecret(location.keystorePath, secret);
  return { secret, location };
}

const create: Command = {
  words: 'access-keys create',
  synopsis: '--principal ARN [--description TEXT]',
  summary: 'make an access key for atrest serve (the secret is shown once)',
  options: { principal: 'value', description: 'value' },
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx) {
    const principal = ctx.args.values.get('principal');
    if (principal === undefined)
      throw new UsageError(
        'access-keys create: --principal ARN is required (the IAM or STS principal the key acts as)',
      );
    let key;
    try {
      key = newAccessKey(principal, ctx.args.values.get('description'), new Date());
    } catch (e) {
      throw new UsageError(`access-keys create: ${(e as Error).message}`);
    }
    const { secret, location } = await secretFor(ctx);
    try {
      await updateAccessKeys(accessKeyPath(location), secret, (keys) => keys.push(key));
    } finally {
      wipe(secret);
    }
    ctx.out.result(
      [
        `AccessKeyId:     ${key.AccessKeyId}`,
        `SecretAccessKey: ${key.SecretAccessKey}`,
        `Principal:       ${key.Principal}`,
      ],
      { AccessKeyId: key.AccessKeyId, SecretAccessKey: key.SecretAccessKey, Principal: key.Principal },
    );
    ctx.out.note('the secret is not shown again; a running atrest serve accepts the key within a second');
  },
};

const list: Command = {
  words: 'access-keys list',
  synopsis: '',
  summary: 'list access keys (never their secrets)',
  options: {},
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx) {
    const { secret, location } = await secretFor(ctx);
    let keys;
    try {
      keys = await readAccessKeys(accessKeyPath(location), secret);
    } finally {
      wipe(secret);
    }
    const rows = keys.map((k) => ({
      AccessKeyId: k.AccessKeyId,
      Principal: k.Principal,
      CreateDate: k.CreateDate,
      ...(k.Description ? { Description: k.Description } : {}),
    }));
    ctx.out.result(
      rows.length === 0
        ? ['no access keys']
        : rows.map(
            (r) => `${r.AccessKeyId}  ${r.Principal}  ${r.CreateDate}${r.Description ? '  ' + r.Description : ''}`,
          ),
      { AccessKeys: rows },
    );
  },
};

const remove: Command = {
  words: 'access-keys delete',
  synopsis: '<access key id>',
  summary: 'delete an access key (a running server refuses it within a second)',
  options: {},
  positionals: { min: 1, max: 1, names: '<access key id>' },
  async run(ctx) {
    const id = positional(ctx, 0);
    const { secret, location } = await secretFor(ctx);
    let found;
    try {
      found = await updateAccessKeys(accessKeyPath(location), secret, (keys) => {
        const i = keys.findIndex((k) => k.AccessKeyId === id);
        return i < 0 ? undefined : keys.splice(i, 1)[0];
      });
    } finally {
      wipe(secret);
    }
    if (found === undefined)
      throw new UsageError(`access-keys delete: no access key ${id} (see atrest access-keys list)`);
    ctx.out.result([`deleted access key ${id} (${found.Principal})`], { AccessKeyId: id, Principal: found.Principal });
  },
};

export const accessKeyCommands: Command[] = [create, list, remove];
