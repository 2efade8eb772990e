// The HTTP(S) listener of `atrest serve`: turns Node's requests into WireRequests for the
// KmsService and its replies back, with the limits a network service needs:
//   - bodies over 1 MiB are refused (413) without being read, and the connection is closed;
//   - headers must arrive within 10 s and the whole request within 30 s (slow or stalled
//     clients get 408 from Node and are disconnected); at most 256 connections;
//   - only loopback addresses unless TLS is on (or --insecure-http says otherwise): signatures
//     stop forgery, not eavesdropping, and replies carry plaintext data keys;
//   - CORS preflight answered for the origins it is told to allow, so a browser page can call it;
//   - close() stops accepting, lets calls in flight finish, then closes every connection.
// Node and Deno only (node:http, node:https).

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { MAX_BODY_BYTES } from './protocol.js';
import type { KmsService } from './service.js';

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4599; 0 picks a free port. */
  port?: number;
  /** PEM certificate chain and private key: serve HTTPS. */
  tls?: { cert: string | Uint8Array; key: string | Uint8Array };
  /** Origins (`https://app.example`) whose pages may call the server; `*` for any. */
  allowOrigins?: readonly string[];
  /** Allow plain HTTP on a non-loopback address. */
  insecureHttp?: boolean;
  maxBodyBytes?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface RunningServer {
  /** `http://127.0.0.1:4599` (the port actually bound). */
  readonly url: string;
  /** Stops accepting, waits for calls in flight (at most `graceMs`), closes all connections. */
  close(graceMs?: number): Promise<void>;
}

const CORS_ALLOWED_HEADERS =
  'authorization, content-type, x-amz-date, x-amz-target, x-amz-content-sha256, x-amz-security-token, x-amz-user-agent, amz-sdk-invocation-id, amz-sdk-request';

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

export async function listen(service: KmsService, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4599;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const allowed = new Set(options.allowOrigins ?? []);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`listen: port must be 0..65535, got ${port}`);
  if (options.tls === undefined && !isLoopback(host) && options.insecureHttp !== true) {
    throw new RangeError(
      `refusing to serve plain HTTP on ${host}, which is not a loopback address: requests and replies (data keys in plaintext) would cross the network unencrypted. ` +
        'Give --tls-cert and --tls-key, or --insecure-http if something else (a TLS proxy) protects the traffic.',
    );
  }
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const done = () => {
    inFlight--;
    if (inFlight === 0) drained?.();
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    const cors: Record<string, string> = {};
    if (typeof origin === 'string' && (allowed.has(origin) || allowed.has('*'))) {
      cors['Access-Control-Allow-Origin'] = origin;
      cors['Vary'] = 'Origin';
      cors['Access-Control-Expose-Headers'] = 'x-amzn-RequestId, Date';
    }
    if (req.method === 'OPTIONS') {
      if (cors['Access-Control-Allow-Origin'] === undefined) {
        res.writeHead(403, { 'Content-Type': 'text/plain' }).end('origin not allowed\n');
        return;
      }
      res
        .writeHead(204, {
          ...cors,
          'Access-Control-Allow-Methods': 'POST',
          'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS,
          'Access-Control-Max-Age': '600',
        })
        .end();
      return;
    }
    const refuseTooLarge = () => {
      tooLarge(res, cors, maxBody);
      req.socket.destroy();
      void service
        .refused(
          { rawHeaders: req.rawHeaders, remoteAddress: req.socket.remoteAddress ?? '' },
          'RequestEntityTooLargeException',
          `body over ${maxBody} bytes`,
        )
        .catch(() => undefined);
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) {
      refuseTooLarge();
      return;
    }
    inFlight++;
    const chunks: Uint8Array[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBody) {
        refused = true;
        refuseTooLarge();
        done();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!refused) {
        refused = true;
        done();
      }
    });
    req.on('end', () => {
      if (refused) return;
      const body = concat(chunks, size);
      service
        .handle({
          method: req.method ?? '',
          url: req.url ?? '',
          rawHeaders: req.rawHeaders,
          body,
          remoteAddress: req.socket.remoteAddress ?? '',
        })
        .then(
          (reply) =>
            res
              .writeHead(reply.status, { ...cors, ...reply.headers, 'Content-Length': utf8Length(reply.body) })
              .end(reply.body),
          () =>
            res
              .writeHead(500, { ...cors, 'Content-Type': 'application/x-amz-json-1.1' })
              .end('{"__type":"KMSInternalException","message":"internal error"}'),
        )
        .finally(done);
    });
  };

  // connectionsCheckingInterval: how often Node enforces headersTimeout/requestTimeout (default 30 s).
  const serverOptions = { maxHeaderSize: 16 * 1024, keepAlive: true, noDelay: true, connectionsCheckingInterval: 1000 };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, handler)
    : createHttpServer(serverOptions, handler);
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = 256;
  server.on('clientError', (error, socket) => {
    // Too slow (headersTimeout/requestTimeout), headers too large, or not HTTP: answer and close.
    const status =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `${options.tls ? 'https' : 'http'}://${shownHost}:${boundPort}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        const finish = () => server.closeAllConnections();
        if (inFlight === 0) finish();
        else {
          const timer = setTimeout(finish, graceMs);
          drained = () => {
            clearTimeout(timer);
            // Let the last replies flush before cutting keep-alive connections.
            setTimeout(finish, 10);
          };
        }
      });
      return closing;
    },
  };
}

function tooLarge(res: ServerResponse, cors: Record<string, string>, max: number): void {
  const body = JSON.stringify({
    __type: 'RequestEntityTooLargeException',
    message: `The request body exceeds ${max} bytes`,
  });
  if (!res.headersSent)
    res
      .writeHead(413, {
        ...cors,
        'Content-Type': 'application/x-amz-json-1.1',
        Connection: 'close',
        'Content-Length': utf8Length(body),
      })
      .end(body);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
