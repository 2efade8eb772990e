// `atrest keys …`: create, list, describe, enable, disable, rotate, schedule-deletion and
// cancel-deletion of KMS keys in the embedded key service, each one or a few KmsClient calls.

import { readFile } from 'node:fs/promises';
import { DEFAULT_PENDING_WINDOW_DAYS, MAX_PENDING_WINDOW_DAYS, MIN_PENDING_WINDOW_DAYS } from '../../kms/deletion.js';
import { isAliasName, isReservedAliasName } from '../../kms/key-ids.js';
import type { AliasListEntry, KeyMetadata, KmsClient } from '../../kms/types.js';
import { positiveInteger } from '../args.js';
import { positional, type Command, type CommandContext } from '../command.js';
import { UsageError } from '../exit-codes.js';
import { table } from '../output.js';
import { allPages } from '../pages.js';

async function aliasesOf(kms: KmsClient, keyId?: string): Promise<AliasListEntry[]> {
  return allPages(
    (Marker) =>
      kms.listAliases({
        ...(keyId === undefined ? {} : { KeyId: keyId }),
        ...(Marker === undefined ? {} : { Marker }),
      }),
    (r) => r.Aliases,
  );
}

export async function readPolicyFile(path: string, where: string): Promise<string> {
  const text = await readFile(path, 'utf8');
  try {
    JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where}: ${path} is not JSON (${(e as Error).message})`);
  }
  return text;
}

function keyLines(meta: KeyMetadata, aliases: readonly string[]): string[] {
  const lines = [
    `key id:      ${meta.KeyId}`,
    `arn:         ${meta.Arn}`,
    `state:       ${meta.KeyState}${meta.DeletionDate ? ` (deleted on ${new Date(meta.DeletionDate).toISOString()})` : ''}`,
    `manager:     ${meta.KeyManager === 'AWS' ? 'AWS (default key)' : 'customer'}`,
    `created:     ${new Date(meta.CreationDate).toISOString()}`,
    `aliases:     ${aliases.length > 0 ? aliases.join(', ') : '(none)'}`,
  ];
  if (meta.Description) lines.push(`description: ${meta.Description}`);
  lines.push(`material:    ${meta.CurrentKeyMaterialId}`);
  return lines;
}

const create: Command = {
  words: 'keys create',
  synopsis: '[--alias alias/x] [--policy file.json] [--rotation-days 365] [--description text]',
  summary: 'create a customer managed key',
  options: { alias: 'value', policy: 'value', 'rotation-days': 'value', description: 'value' },
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx) {
    const where = 'keys create';
    const alias = ctx.args.values.get('alias');
    if (alias !== undefined && (!isAliasName(alias) || isReservedAliasName(alias))) {
      throw new UsageError(
        `${where}: --alias must look like alias/name (letters, digits, / _ - :) and not start with alias/aws/, got ${JSON.stringify(alias)}`,
      );
    }
    const rotationDays = positiveInteger(ctx.args, 'rotation-days', where, { min: 90, max: 2560 });
    const policyPath = ctx.args.values.get('policy');
    const policy = policyPath === undefined ? undefined : await readPolicyFile(policyPath, where);
    const description = ctx.args.values.get('description');
    const kms = await ctx.kms();
    if (alias !== undefined) {
      // Checked before the key exists, so a taken alias does not leave a nameless key behind.
      // ListAliases, not DescribeKey: the caller may not be allowed to describe the other key.
      if ((await aliasesOf(kms)).some((a) => a.AliasName === alias)) {
        throw new UsageError(
          `${where}: the alias ${alias} already names a key; choose another (see: atrest keys list)`,
        );
      }
    }
    const { KeyMetadata: meta } = await kms.createKey({
      ...(policy === undefined ? {} : { Policy: policy }),
      ...(description === undefined ? {} : { Description: description }),
    });
    if (alias !== undefined) await createAliasOrRollBack(ctx, kms, alias, meta.KeyId);
    if (rotationDays !== undefined)
      await kms.enableKeyRotation({ KeyId: meta.KeyId, RotationPeriodInDays: rotationDays });
    ctx.out.result(
      [
        `created key ${meta.KeyId}${alias ? ` (${alias})` : ''}: ${meta.KeyState}${policy ? ', with the key policy from ' + policyPath : ', default key policy'}${rotationDays ? `, rotated every ${rotationDays} days` : ''}`,
        `arn: ${meta.Arn}`,
      ],
      { KeyMetadata: meta, AliasName: alias ?? null, RotationPeriodInDays: rotationDays ?? null },
    );
  },
};

/**
 * Names the new key, or undoes its creation when the alias cannot be made (a key policy that
 * refuses CreateAlias, an alias taken meanwhile): without this a refused `keys create --alias`
 * left an Enabled key nobody asked for and nobody can name. The key service has no immediate
 * delete (neither has AWS KMS), so the rollback schedules the key's deletion after the shortest
 * waiting period, 7 days; the key is unusable from now on. If even that is refused, the note
 * names the key left behind. The CreateAlias failure is the command's error either way.
 */
async function createAliasOrRollBack(ctx: CommandContext, kms: KmsClient, alias: string, keyId: string): Promise<void> {
  try {
    await kms.createAlias({ AliasName: alias, TargetKeyId: keyId });
  } catch (error) {
    try {
      const r = await kms.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: MIN_PENDING_WINDOW_DAYS });
      ctx.out.note(
        `keys create: the alias ${alias} could not be created, so the new key ${keyId} was rolled back: it is PendingDeletion (unusable now, destroyed on ${new Date(r.DeletionDate).toISOString()})`,
      );
    } catch (rollback) {
      ctx.out.note(
        `keys create: the alias ${alias} could not be created and the new key ${keyId} could not be rolled back (${(rollback as Error)?.message ?? String(rollback)}); it remains, without an alias`,
      );
    }
    throw error;
  }
}

const list: Command = {
  words: 'keys list',
  synopsis: '',
  summary: 'list the keys with their state and aliases',
  options: {},
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx) {
    const kms = await ctx.kms();
    const keys = await allPages(
      (Marker) => kms.listKeys(Marker === undefined ? {} : { Marker }),
      (r) => r.Keys,
    );
    const aliases = await aliasesOf(kms);
    const rows = [];
    for (const key of keys) {
      // A caller may list keys it may not describe: show those without details.
      const meta = await kms.describeKey({ KeyId: key.KeyId }).then(
        (r) => r.KeyMetadata,
        () => undefined,
      );
      rows.push({
        KeyId: key.KeyId,
        KeyArn: key.KeyArn,
        KeyState: meta?.KeyState ?? null,
        KeyManager: meta?.KeyManager ?? null,
        Description: meta?.Description ?? null,
        Aliases: aliases.filter((a) => a.TargetKeyId === key.KeyId).map((a) => a.AliasName),
      });
    }
    const lines =
      rows.length === 0
        ? ['no keys yet (create one: atrest keys create --alias alias/name)']
        : table(
            ['KEY ID', 'STATE', 'MANAGER', 'ALIASES'],
            rows.map((r) => [
              r.KeyId,
              r.KeyState ?? '(not allowed to describe)',
              r.KeyManager ?? '',
              r.Aliases.join(', '),
            ]),
          );
    ctx.out.result(lines, { Keys: rows });
  },
};

const describe: Command = {
  words: 'keys describe',
  synopsis: '<key>',
  summary: 'show a key: state, aliases, rotation, deletion date',
  options: {},
  positionals: { min: 1, max: 1, names: '<key>' },
  async run(ctx) {
    const kms = await ctx.kms();
    const { KeyMetadata: meta } = await kms.describeKey({ KeyId: positional(ctx, 0) });
    const aliases = (await aliasesOf(kms, meta.KeyId)).map((a) => a.AliasName);
    const rotation = await kms.getKeyRotationStatus({ KeyId: meta.KeyId }).catch(() => undefined);
    const lines = keyLines(meta, aliases);
    if (rotation !== undefined) {
      lines.push(
        `rotation:    ${rotation.KeyRotationEnabled ? `every ${rotation.RotationPeriodInDays} days, next ${rotation.NextRotationDate ? new Date(rotation.NextRotationDate).toISOString() : '(not scheduled)'}` : 'automatic rotation off'}`,
      );
    }
    ctx.out.result(lines, { KeyMetadata: meta, Aliases: aliases, Rotation: rotation ?? null });
  },
};

function simpleKeyCommand(
  words: string,
  summary: string,
  call: (kms: KmsClient, keyId: string) => Promise<unknown>,
  done: (keyId: string) => string,
): Command {
  return {
    words,
    synopsis: '<key>',
    summary,
    options: {},
    positionals: { min: 1, max: 1, names: '<key>' },
    async run(ctx: CommandContext) {
      const kms = await ctx.kms();
      const keyId = positional(ctx, 0);
      await call(kms, keyId);
      const { KeyMetadata: meta } = await kms.describeKey({ KeyId: keyId });
      ctx.out.result([done(meta.KeyId)], { KeyMetadata: meta });
    },
  };
}

const enable = simpleKeyCommand(
  'keys enable',
  'enable a disabled key',
  (kms, KeyId) => kms.enableKey({ KeyId }),
  (id) => `key ${id} is Enabled`,
);
const disable = simpleKeyCommand(
  'keys disable',
  'disable a key (no cryptographic use until enabled)',
  (kms, KeyId) => kms.disableKey({ KeyId }),
  (id) => `key ${id} is Disabled: nothing can be encrypted or decrypted under it until it is enabled`,
);
const cancelDeletion = simpleKeyCommand(
  'keys cancel-deletion',
  'cancel a scheduled deletion (the key stays Disabled)',
  (kms, KeyId) => kms.cancelKeyDeletion({ KeyId }),
  (id) => `deletion of key ${id} cancelled; the key is Disabled (enable it with: atrest keys enable ${id})`,
);

const rotate: Command = {
  words: 'keys rotate',
  synopsis: '<key>',
  summary: 'rotate now: new material for new data, old material kept for decryption',
  options: {},
  positionals: { min: 1, max: 1, names: '<key>' },
  async run(ctx) {
    const kms = await ctx.kms();
    const keyId = positional(ctx, 0);
    const before = (await kms.describeKey({ KeyId: keyId })).KeyMetadata.CurrentKeyMaterialId;
    await kms.rotateKeyOnDemand({ KeyId: keyId });
    const { KeyMetadata: meta } = await kms.describeKey({ KeyId: keyId });
    ctx.out.result(
      [
        `key ${meta.KeyId} rotated: new data keys are wrapped under material ${meta.CurrentKeyMaterialId} (was ${before}, kept for decryption)`,
      ],
      { KeyMetadata: meta, PreviousKeyMaterialId: before },
    );
  },
};

const scheduleDeletion: Command = {
  words: 'keys schedule-deletion',
  synopsis: '<key> [--days 30]',
  summary: 'delete a key after a waiting period of 7 to 30 days',
  options: { days: 'value' },
  positionals: { min: 1, max: 1, names: '<key>' },
  async run(ctx) {
    const days =
      positiveInteger(ctx.args, 'days', 'keys schedule-deletion', {
        min: MIN_PENDING_WINDOW_DAYS,
        max: MAX_PENDING_WINDOW_DAYS,
      }) ?? DEFAULT_PENDING_WINDOW_DAYS;
    const kms = await ctx.kms();
    const r = await kms.scheduleKeyDeletion({ KeyId: positional(ctx, 0), PendingWindowInDays: days });
    ctx.out.result(
      [
        `key ${r.KeyId} is PendingDeletion: it and every ciphertext under it become unusable now and are destroyed on ${new Date(r.DeletionDate).toISOString()} (cancel before then with: atrest keys cancel-deletion ${positional(ctx, 0)})`,
      ],
      r,
    );
  },
};

export const keyCommands: Command[] = [
  create,
  list,
  describe,
  enable,
  disable,
  rotate,
  scheduleDeletion,
  cancelDeletion,
];
