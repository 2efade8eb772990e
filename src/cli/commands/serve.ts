// `atrest serve`: the key store of $ATREST_HOME as a network key service speaking the AWS KMS
// protocol (atrest/server). The server is the key store's single owner for as long as it runs
// (it holds the lock); every change is saved before it is answered. Access keys come from
// `atrest access-keys`, re-read within a second of a change. SIGINT/SIGTERM: stop accepting,
// finish the calls in flight, write the audit trail, release the lock, exit 0.

import { readFile } from 'node:fs/promises';
import { AccessKeyWatcher, startKmsServer } from '../../kms/server/index.js';
import type { Command } from '../command.js';
import { UsageError } from '../exit-codes.js';
import { openKeystoreFile, wipe } from '../keystore.js';
import { cliProcess } from '../runtime.js';
import { accessKeyPath } from './access-keys.js';

/** `HOST:PORT`, `[v6]:PORT` or `:PORT`. */
export function parseListen(raw: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new UsageError(
      `serve: --listen takes HOST:PORT (127.0.0.1:4599, [::1]:0, :0 for a free port), got ${JSON.stringify(raw)}`,
    );
  return { host: m[1] ?? (m[2] === '' ? '127.0.0.1' : m[2]!), port };
}

const serve: Command = {
  words: 'serve',
  synopsis: '[--listen 127.0.0.1:4599] [--tls-cert FILE --tls-key FILE] [--allow-origin ORIGIN …] [--insecure-http]',
  summary: 'serve the key store over the network in the AWS KMS protocol (SigV4, access keys)',
  options: {
    listen: 'value',
    'tls-cert': 'value',
    'tls-key': 'value',
    'allow-origin': 'list',
    'insecure-http': 'flag',
  },
  positionals: { min: 0, max: 0, names: '' },
  handlesSignals: true,
  async run(ctx) {
    const { host, port } = parseListen(ctx.args.values.get('listen') ?? '127.0.0.1:4599');
    const certPath = ctx.args.values.get('tls-cert');
    const keyPath = ctx.args.values.get('tls-key');
    if ((certPath === undefined) !== (keyPath === undefined))
      throw new UsageError('serve: --tls-cert and --tls-key go together');
    const tls = certPath === undefined ? undefined : { cert: await readFile(certPath), key: await readFile(keyPath!) };
    const { store, location, secret } = await ctx.keystoreFile();
    const watcher = new AccessKeyWatcher(accessKeyPath(location), secret);
    wipe(secret);
    let server;
    try {
      await watcher.start();
      server = await startKmsServer({
        keystore: store,
        credentials: (id) => watcher.lookup(id),
        auditPath: location.auditPath,
        host,
        port,
        tls,
        allowOrigins: ctx.args.lists.get('allow-origin') ?? [],
        insecureHttp: ctx.args.flags.has('insecure-http'),
      });
    } catch (e) {
      watcher.stop();
      await store.close().catch(() => undefined);
      throw e;
    }
    const stop = new Promise<string>((resolve) => {
      cliProcess.on('SIGINT', () => resolve('SIGINT'));
      cliProcess.on('SIGTERM', () => resolve('SIGTERM'));
    });
    // The first line on stdout ends with the URL (scripts wait for it).
    cliProcess.stdout.write(
      `atrest serve: key store ${location.keystorePath}, ${watcher.size} access key(s), listening on ${server.url}\n`,
    );
    const signal = await stop;
    ctx.out.note(`${signal}: finishing calls in flight`);
    await server.close();
    watcher.stop();
    ctx.out.note(`stopped; key store saved and unlocked, audit trail in ${location.auditPath}`);
  },
};

export const serveCommands: Command[] = [serve];
