// `atrest luks format|dump|read|write|add-key|remove-key`: LUKS2 images (cryptsetup's format) on
// regular files, with passphrase keyslots and atrest-kms tokens (a keyslot opened through the
// embedded key service). A passphrase file is used byte for byte, as cryptsetup's --key-file
// (a trailing newline is part of the passphrase). Without --passphrase-file, read / write /
// add-key unlock through the image's atrest-kms token as the caller (--as).

import { open, readFile, stat } from 'node:fs/promises';
import { FileBlockStore } from '../../fs/index.js';
import { createLuks, LuksContainer, type LuksKey, type PbkdfChoice } from '../../luks/index.js';
import { keyValuePairs, positiveInteger, type ParsedArgs } from '../args.js';
import { positional, type Command, type CommandContext } from '../command.js';
import { UsageError } from '../exit-codes.js';
import { checkDistinctPaths, createPendingFile, regularFileSize } from '../files.js';
import { formatMiB, table } from '../output.js';

const CHUNK = 1 << 20;
const MAX_SIZE = 2 ** 50;

async function passphraseFile(args: ParsedArgs, name: string, where: string): Promise<Uint8Array | undefined> {
  const path = args.values.get(name);
  if (path === undefined) return undefined;
  await regularFileSize(path, where);
  const bytes = new Uint8Array(await readFile(path));
  if (bytes.length === 0) throw new UsageError(`${where}: --${name} ${path} is empty`);
  return bytes;
}

function pbkdfOption(args: ParsedArgs, where: string): PbkdfChoice | undefined {
  const v = args.values.get('pbkdf');
  if (v === undefined) return undefined;
  if (v !== 'argon2id' && v !== 'pbkdf2' && v !== 'argon2i')
    throw new UsageError(`${where}: --pbkdf must be argon2id, argon2i or pbkdf2, got ${JSON.stringify(v)}`);
  return { type: v };
}

/** Opens the image (and a detached header), runs `body`, closes both stores. */
async function withImage<T>(
  ctx: CommandContext,
  where: string,
  readOnly: boolean,
  body: (c: LuksContainer) => Promise<T>,
): Promise<T> {
  const image = positional(ctx, 0);
  await regularFileSize(image, where);
  const headerPath = ctx.args.values.get('header');
  if (headerPath !== undefined) await regularFileSize(headerPath, where);
  // Every store opened here is closed here, also when the second one fails to open.
  const data = await FileBlockStore.open(image, { readOnly });
  let header: FileBlockStore | undefined;
  try {
    header = headerPath === undefined ? undefined : await FileBlockStore.open(headerPath, { readOnly });
    return await body(await LuksContainer.open(data, { header, readOnly }));
  } finally {
    await header?.close();
    await data.close();
  }
}

/** The volume key: through --passphrase-file, else through the atrest-kms token as the caller. */
async function unlock(ctx: CommandContext, c: LuksContainer, where: string): Promise<LuksKey> {
  const passphrase = await passphraseFile(ctx.args, 'passphrase-file', where);
  if (passphrase !== undefined) {
    try {
      return await c.unlock({ passphrase });
    } finally {
      passphrase.fill(0);
    }
  }
  if (!c.tokens.some((t) => t.type === 'atrest-kms'))
    throw new UsageError(`${where}: the image has no atrest-kms token; give --passphrase-file`);
  return c.unlock({ kms: await ctx.kms() });
}

const common = { header: 'value' } as const;

const format: Command = {
  words: 'luks format',
  synopsis:
    '<image> --size BYTES [--sector-size 512|1024|2048|4096] [--key KMS-KEY] [--context k=v …] [--passphrase-file FILE] [--pbkdf argon2id|argon2i|pbkdf2] [--header FILE]',
  summary: 'create a LUKS2 image (cryptsetup opens it) with a passphrase keyslot and/or an atrest-kms token',
  options: {
    ...common,
    size: 'value',
    'sector-size': 'value',
    key: 'value',
    context: 'list',
    'passphrase-file': 'value',
    pbkdf: 'value',
  },
  positionals: { min: 1, max: 1, names: '<image>' },
  async run(ctx) {
    const where = 'luks format';
    const image = positional(ctx, 0);
    const size = positiveInteger(ctx.args, 'size', where, { min: 512, max: MAX_SIZE });
    if (size === undefined) throw new UsageError(`${where}: --size BYTES is required`);
    const sectorSize = positiveInteger(ctx.args, 'sector-size', where, { min: 512, max: 4096 }) ?? 512;
    if (![512, 1024, 2048, 4096].includes(sectorSize))
      throw new UsageError(`${where}: --sector-size must be 512, 1024, 2048 or 4096`);
    if (size % sectorSize !== 0)
      throw new UsageError(`${where}: --size must be a multiple of the sector size ${sectorSize}`);
    const keyId = ctx.args.values.get('key');
    const context = keyValuePairs(ctx.args, 'context', where);
    if (context !== undefined && keyId === undefined)
      throw new UsageError(`${where}: --context applies to the atrest-kms token: give --key`);
    const passphrase = await passphraseFile(ctx.args, 'passphrase-file', where);
    if (keyId === undefined && passphrase === undefined)
      throw new UsageError(`${where}: give --key KMS-KEY, --passphrase-file FILE, or both`);
    const headerPath = ctx.args.values.get('header');
    for (const path of [image, ...(headerPath ? [headerPath] : [])]) {
      const existing = await stat(path).catch(() => undefined);
      if (existing !== undefined && (!existing.isFile() || existing.size > 0)) {
        throw new UsageError(`${where}: ${path} exists and is not empty; atrest does not overwrite data`);
      }
    }
    const kms =
      keyId === undefined
        ? undefined
        : { kms: await ctx.kms(), keyId, ...(context ? { encryptionContext: context } : {}) };
    const data = await FileBlockStore.open(image, { create: true });
    let header: FileBlockStore | undefined;
    try {
      header = headerPath === undefined ? undefined : await FileBlockStore.open(headerPath, { create: true });
      const { container, key } = await createLuks(data, {
        size,
        sectorSize,
        header,
        pbkdf: pbkdfOption(ctx.args, where),
        ...(passphrase ? { passphrase } : {}),
        ...(kms ? { kms } : {}),
      });
      key.dispose();
      ctx.out.result(
        [
          `formatted ${image}: LUKS2, ${formatMiB(size)} of data at offset ${container.dataOffset}, ${sectorSize}-byte sectors, aes-xts-plain64 (512-bit key), uuid ${container.uuid}`,
          ...container.keyslots.map(
            (k) =>
              `keyslot ${k.id}: ${k.kdf}${container.tokens.some((t) => t.keyslots.includes(k.id)) ? ' (atrest-kms token)' : ' (passphrase)'}`,
          ),
        ],
        {
          image,
          header: headerPath,
          uuid: container.uuid,
          size,
          sectorSize,
          dataOffset: container.dataOffset,
          keyslots: container.keyslots,
          tokens: container.tokens,
        },
      );
    } finally {
      passphrase?.fill(0);
      await header?.close();
      await data.close();
    }
  },
};

const dump: Command = {
  words: 'luks dump',
  synopsis: '<image> [--header FILE]',
  summary: 'show a LUKS2 header: segment, keyslots, tokens (no key needed; --json: the whole metadata)',
  options: { ...common },
  positionals: { min: 1, max: 1, names: '<image>' },
  async run(ctx) {
    await withImage(ctx, 'luks dump', true, async (c) => {
      const meta = c.metadata();
      const tokenOf = (id: string) =>
        c.tokens
          .filter((t) => t.keyslots.includes(id))
          .map((t) => `${t.id}:${t.type}`)
          .join(',') || '-';
      ctx.out.result(
        [
          `LUKS2 uuid ${c.uuid}${c.label ? `, label ${c.label}` : ''}, seqid ${c.seqid}, header ${c.headerSize} bytes × 2`,
          `data segment: offset ${c.dataOffset}, ${c.sectorSize}-byte sectors, aes-xts-plain64`,
          ...table(
            ['keyslot', 'kdf', 'key bits', 'af hash', 'token'],
            c.keyslots.map((k) => [k.id, k.kdf, String(k.keySize * 8), k.afHash, tokenOf(k.id)]),
          ),
          ...c.tokens.map((t) => `token ${t.id}: ${t.type}, keyslots ${t.keyslots.join(',') || '-'}`),
        ],
        {
          uuid: c.uuid,
          label: c.label,
          seqid: String(c.seqid),
          headerSize: c.headerSize,
          dataOffset: c.dataOffset,
          sectorSize: c.sectorSize,
          keyslots: c.keyslots,
          tokens: c.tokens,
          metadata: meta,
        },
      );
    });
  },
};

const read: Command = {
  words: 'luks read',
  synopsis: '<image> <out> [--passphrase-file FILE] [--header FILE]   (no passphrase: through the atrest-kms token)',
  summary: 'write the whole data segment of a LUKS2 image, decrypted, to a file',
  options: { ...common, 'passphrase-file': 'value' },
  positionals: { min: 2, max: 2, names: '<image> <out>' },
  async run(ctx) {
    const where = 'luks read';
    const output = positional(ctx, 1);
    checkDistinctPaths(positional(ctx, 0), output, where);
    await withImage(ctx, where, true, async (c) => {
      const key = await unlock(ctx, c, where);
      const vol = await c.openVolume(key);
      key.dispose();
      const pending = await createPendingFile(output);
      try {
        const writer = pending.writable.getWriter();
        for (let at = 0; at < vol.size; at += CHUNK)
          await writer.write(await vol.read(at, Math.min(CHUNK, vol.size - at)));
        await writer.close();
        await pending.commit();
      } catch (e) {
        await pending.discard();
        throw e;
      } finally {
        await vol.close();
      }
      ctx.out.result(
        [
          `read ${vol.size} bytes (${formatMiB(vol.size)}) of ${positional(ctx, 0)} → ${output} (keyslot ${key.keyslot})`,
        ],
        { image: positional(ctx, 0), output, bytes: vol.size, keyslot: key.keyslot },
      );
    });
  },
};

const write: Command = {
  words: 'luks write',
  synopsis: '<image> <in> [--offset BYTES] [--passphrase-file FILE] [--header FILE]',
  summary: 'encrypt a file into the data segment of a LUKS2 image at a byte offset',
  options: { ...common, offset: 'value', 'passphrase-file': 'value' },
  positionals: { min: 2, max: 2, names: '<image> <in>' },
  async run(ctx) {
    const where = 'luks write';
    const input = positional(ctx, 1);
    checkDistinctPaths(positional(ctx, 0), input, where);
    const inputBytes = await regularFileSize(input, where);
    const offset = positiveInteger(ctx.args, 'offset', where, { min: 0, max: MAX_SIZE }) ?? 0;
    await withImage(ctx, where, false, async (c) => {
      const key = await unlock(ctx, c, where);
      const vol = await c.openVolume(key);
      key.dispose();
      try {
        if (offset + inputBytes > vol.size)
          throw new UsageError(
            `${where}: ${inputBytes} bytes at offset ${offset} pass the end of the data segment (${vol.size} bytes)`,
          );
        const file = await open(input, 'r');
        try {
          const buffer = new Uint8Array(CHUNK);
          for (let done = 0; done < inputBytes;) {
            const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, inputBytes - done), done);
            if (bytesRead === 0) break;
            await vol.write(offset + done, buffer.subarray(0, bytesRead));
            done += bytesRead;
          }
        } finally {
          await file.close();
        }
      } finally {
        await vol.close();
      }
      ctx.out.result([`wrote ${inputBytes} bytes of ${input} into ${positional(ctx, 0)} at offset ${offset}`], {
        image: positional(ctx, 0),
        input,
        offset,
        bytes: inputBytes,
      });
    });
  },
};

const addKey: Command = {
  words: 'luks add-key',
  synopsis:
    '<image> (--new-passphrase-file FILE [--pbkdf argon2id|argon2i|pbkdf2] | --key KMS-KEY [--context k=v …]) [--passphrase-file FILE] [--header FILE]',
  summary: 'add a passphrase keyslot or an atrest-kms token to a LUKS2 image',
  options: {
    ...common,
    'new-passphrase-file': 'value',
    pbkdf: 'value',
    key: 'value',
    context: 'list',
    'passphrase-file': 'value',
  },
  positionals: { min: 1, max: 1, names: '<image>' },
  async run(ctx) {
    const where = 'luks add-key';
    const keyId = ctx.args.values.get('key');
    const context = keyValuePairs(ctx.args, 'context', where);
    const fresh = await passphraseFile(ctx.args, 'new-passphrase-file', where);
    if ((keyId === undefined) === (fresh === undefined))
      throw new UsageError(`${where}: give exactly one of --new-passphrase-file FILE and --key KMS-KEY`);
    await withImage(ctx, where, false, async (c) => {
      const key = await unlock(ctx, c, where);
      try {
        if (fresh !== undefined) {
          const id = await c.addKeyslot(key, { passphrase: fresh, pbkdf: pbkdfOption(ctx.args, where) });
          ctx.out.result([`added keyslot ${id} (passphrase) to ${positional(ctx, 0)}`], { keyslot: id });
        } else {
          const ids = await c.addKmsToken(key, {
            kms: await ctx.kms(),
            keyId: keyId!,
            ...(context ? { encryptionContext: context } : {}),
          });
          ctx.out.result(
            [`added atrest-kms token ${ids.token} (keyslot ${ids.keyslot}) under ${keyId} to ${positional(ctx, 0)}`],
            ids,
          );
        }
      } finally {
        key.dispose();
        fresh?.fill(0);
      }
    });
  },
};

const removeKey: Command = {
  words: 'luks remove-key',
  synopsis: '<image> (--keyslot N | --token N) [--force] [--header FILE]   (--force: allow removing the last keyslot)',
  summary: 'remove a keyslot (its area is wiped) or a token from a LUKS2 image',
  options: { ...common, keyslot: 'value', token: 'value', force: 'flag' },
  positionals: { min: 1, max: 1, names: '<image>' },
  async run(ctx) {
    const where = 'luks remove-key';
    const slot = ctx.args.values.get('keyslot');
    const token = ctx.args.values.get('token');
    if ((slot === undefined) === (token === undefined))
      throw new UsageError(`${where}: give exactly one of --keyslot N and --token N`);
    await withImage(ctx, where, false, async (c) => {
      if (slot !== undefined) {
        if (!c.keyslots.some((k) => k.id === slot))
          throw new UsageError(
            `${where}: keyslot ${slot} does not exist (keyslots: ${c.keyslots.map((k) => k.id).join(', ') || 'none'})`,
          );
        await c.removeKeyslot(slot, { force: ctx.args.flags.has('force') });
      } else {
        if (!c.tokens.some((t) => t.id === token)) throw new UsageError(`${where}: token ${token} does not exist`);
        await c.removeToken(token!);
      }
      ctx.out.result(
        [`removed ${slot !== undefined ? `keyslot ${slot}` : `token ${token}`} from ${positional(ctx, 0)}`],
        { keyslot: slot, token },
      );
    });
  },
};

export const luksCommands: Command[] = [format, dump, read, write, addKey, removeKey];
