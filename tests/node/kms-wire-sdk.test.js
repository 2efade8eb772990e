// atrest/aws → atrest/server through the real @aws-sdk/client-kms: the whole KmsClient
// conformance scenario gives the same transcript over the wire as in process; the SigV4
// failures carry AWS's names; pagination, clock-skew correction, retry deduplication,
// protocol errors, limits and the audit trail. Server on 127.0.0.1 only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  KMS,
  KMSClient,
  ListKeysCommand,
  paginateListKeys,
} from '@aws-sdk/client-kms';
import { LocalKms, MemoryKeystore } from '../../dist/index.js';
import { kmsClientFromAws } from '../../dist/kms/aws/index.js';
import { normalizeTranscript, runConformance } from '../_lib/kms-conformance.js';
import { manualClock } from '../_lib/kms.js';
import { ADMIN, ALICE, BOB, BOB_ROLE, EVE, KEYS, ROOT, sdkCredentials, startServer } from './wire/harness.js';

const who = { admin: ADMIN, alice: ALICE, bobRole: BOB_ROLE, bob: BOB };

test('conformance: every KmsClient operation gives the same transcript through adapter → server as in process', async () => {
  const localClock = manualClock();
  const local = new LocalKms({ clock: localClock, keystore: new MemoryKeystore() });
  const inProcess = await runConformance(
    { root: local.as(ROOT), admin: local.as(ADMIN), alice: local.as(ALICE), bob: local.as(BOB) },
    who,
    localClock,
  );

  const wireClock = manualClock();
  const w = await startServer({ clock: wireClock });
  try {
    const overWire = await runConformance(
      { root: w.client(KEYS.root), admin: w.client(KEYS.admin), alice: w.client(KEYS.alice), bob: w.client(KEYS.bob) },
      who,
      wireClock,
    );
    const a = normalizeTranscript(inProcess);
    const b = normalizeTranscript(overWire);
    assert.is(b.length, a.length);
    for (let i = 0; i < a.length; i++) assert.equal(b[i], a[i], `step ${i} (${a[i].label})`);
    // Errors seen through the wire include modelled and unmodelled exceptions.
    const errors = new Set(overWire.filter((e) => e.error).map((e) => e.error));
    for (const name of [
      'NotFoundException',
      'AccessDeniedException',
      'ValidationException',
      'AlreadyExistsException',
      'InvalidCiphertextException',
      'IncorrectKeyException',
      'DisabledException',
      'KMSInvalidStateException',
      'MalformedPolicyDocumentException',
      'InvalidGrantTokenException',
      'UnsupportedOperationException',
    ]) {
      assert.ok(errors.has(name), `the scenario saw ${name} over the wire (saw ${[...errors].join(', ')})`);
    }
    // Response KeyId is always the key ARN (the Encryption SDK depends on it).
    for (const e of overWire) {
      if (
        e.ok &&
        typeof e.ok.KeyId === 'string' &&
        ['encrypt', 'decrypt', 'generateDataKey', 'generateDataKeyWithoutPlaintext', 'reEncrypt'].includes(e.op)
      ) {
        assert.match(e.ok.KeyId, /^arn:aws:kms:us-east-1:111122223333:key\//);
      }
    }
    // No $metadata leaks out of the adapter.
    assert.ok(overWire.every((e) => !e.ok || !('$metadata' in e.ok)));
  } finally {
    await w.close();
  }
});

test('the adapter takes the aggregated KMS class too, and errors keep name, message and the SDK error as cause', async () => {
  const w = await startServer();
  try {
    const kms = kmsClientFromAws(
      new KMS({ endpoint: w.url, region: 'us-east-1', credentials: sdkCredentials(KEYS.root), maxAttempts: 1 }),
    );
    const { KeyMetadata } = await kms.createKey({});
    assert.instance(KeyMetadata.CreationDate, Date);
    const e = await kms.describeKey({ KeyId: 'alias/missing' }).catch((x) => x);
    assert.is(e.name, 'NotFoundException');
    assert.match(e.message, /alias\/missing/);
    assert.is(e.cause.name, 'NotFoundException');
    assert.is(e.httpStatusCode, 404);
    const denied = await w
      .client(KEYS.eve)
      .describeKey({ KeyId: KeyMetadata.Arn })
      .catch((x) => x);
    assert.is(denied.name, 'AccessDeniedException');
    assert.match(denied.message, /is not authorized to perform: kms:DescribeKey/);
    assert.throws(() => kmsClientFromAws({}), /neither send\(\)/);
  } finally {
    await w.close();
  }
});

test("SigV4: unknown key, wrong secret, wrong session token, no signature, expired, tampered target — each with AWS's name", async () => {
  const w = await startServer();
  try {
    const unknown = await w
      .client({ ...KEYS.alice, accessKeyId: 'AKIANOBODYEXAMPLE000' })
      .listKeys()
      .catch((e) => e);
    assert.is(unknown.name, 'UnrecognizedClientException');
    assert.is(unknown.message, 'The security token included in the request is invalid.');
    const wrong = await w
      .client({ ...KEYS.alice, secretAccessKey: 'not-the-secret' })
      .listKeys()
      .catch((e) => e);
    assert.is(wrong.name, 'InvalidSignatureException');
    assert.match(wrong.message, /^The request signature we calculated does not match/);
    const token = await w
      .client({ ...KEYS.bob, sessionToken: 'another-token' })
      .listKeys()
      .catch((e) => e);
    assert.is(token.name, 'UnrecognizedClientException');
    const noToken = await w
      .client({ ...KEYS.bob, sessionToken: undefined })
      .listKeys()
      .catch((e) => e);
    assert.is(noToken.name, 'UnrecognizedClientException');
    const wrongRegion = await kmsClientFromAws(
      new KMSClient({ endpoint: w.url, region: 'eu-west-1', credentials: sdkCredentials(KEYS.alice), maxAttempts: 1 }),
    )
      .listKeys()
      .catch((e) => e);
    assert.is(wrongRegion.name, 'InvalidSignatureException');
    assert.match(wrongRegion.message, /region/);

    const missing = await rawPost(
      w.url,
      { 'X-Amz-Target': 'TrentService.ListKeys', 'Content-Type': 'application/x-amz-json-1.1' },
      '{}',
    );
    assert.is(missing.status, 400);
    assert.equal(JSON.parse(missing.body), {
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });

    const garbled = await rawPost(
      w.url,
      { 'X-Amz-Target': 'TrentService.ListKeys', Authorization: 'AWS4-HMAC-SHA256 nonsense' },
      '{}',
    );
    assert.is(JSON.parse(garbled.body).__type, 'IncompleteSignatureException');

    // A raw request signed 20 minutes ago: refused with AWS's wording.
    const old = signed(w.url, KEYS.alice, 'ListKeys', '{}', new Date(Date.now() - 20 * 60_000));
    const expired = await rawPost(w.url, old.headers, old.body);
    assert.is(JSON.parse(expired.body).__type, 'InvalidSignatureException');
    assert.match(
      JSON.parse(expired.body).message,
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
    const future = signed(w.url, KEYS.alice, 'ListKeys', '{}', new Date(Date.now() + 20 * 60_000));
    assert.match(
      JSON.parse((await rawPost(w.url, future.headers, future.body)).body).message,
      /^Signature not yet current/,
    );

    // An identical replay inside the window is accepted (SigV4 has no nonce; documented).
    const fresh = signed(w.url, KEYS.alice, 'ListKeys', '{}', new Date());
    assert.is((await rawPost(w.url, fresh.headers, fresh.body)).status, 200);
    assert.is((await rawPost(w.url, fresh.headers, fresh.body)).status, 200);
    // The same signature over another target or body, or with an unsigned x-amz-* header: refused.
    assert.is(
      JSON.parse(
        (await rawPost(w.url, { ...fresh.headers, 'X-Amz-Target': 'TrentService.CreateKey' }, fresh.body)).body,
      ).__type,
      'InvalidSignatureException',
    );
    assert.is(
      JSON.parse((await rawPost(w.url, fresh.headers, '{"Limit":1}')).body).__type,
      'InvalidSignatureException',
    );
    assert.is(
      JSON.parse((await rawPost(w.url, { ...fresh.headers, 'X-Amz-Extra': '1' }, fresh.body)).body).__type,
      'IncompleteSignatureException',
    );

    // SDK middleware that rewrites the target after signing: refused.
    const sdk = w.sdk(KEYS.alice);
    sdk.middlewareStack.add(
      (next) => (args) => {
        args.request.headers['x-amz-target'] = 'TrentService.CreateKey';
        return next(args);
      },
      { step: 'deserialize' },
    );
    const swapped = await sdk.send(new ListKeysCommand({})).catch((e) => e);
    assert.is(swapped.name, 'InvalidSignatureException');

    const names = w.server
      .auditRecords()
      .filter((r) => r.outcome === 'Failure')
      .map((r) => r.errorCode);
    for (const n of [
      'UnrecognizedClientException',
      'InvalidSignatureException',
      'MissingAuthenticationTokenException',
      'IncompleteSignatureException',
    ]) {
      assert.ok(names.includes(n), `failed authentication is audited: ${n}`);
    }
    const refused = w.server.auditRecords().find((r) => r.errorCode === 'UnrecognizedClientException');
    assert.is(refused.accessKeyId, 'AKIANOBODYEXAMPLE000');
    assert.is(refused.sourceIPAddress, '127.0.0.1');
    assert.is(refused.principal, 'unauthenticated');
  } finally {
    await w.close();
  }
});

test('clock skew: an SDK client 20 minutes slow corrects itself from the Date header and succeeds on attempt 2', async () => {
  const w = await startServer();
  try {
    const sdk = new KMSClient({
      endpoint: w.url,
      region: 'us-east-1',
      credentials: sdkCredentials(KEYS.root),
      systemClockOffset: -20 * 60_000,
      maxAttempts: 3,
    });
    const r = await sdk.send(new ListKeysCommand({}));
    assert.is(r.$metadata.attempts, 2);
    assert.ok(Math.abs(sdk.config.systemClockOffset) < 60_000, "the SDK took the server's wall clock");
  } finally {
    await w.close();
  }
});

test('pagination: the SDK paginator walks ListKeys one key per page; Truncated agrees with NextMarker', async () => {
  const w = await startServer();
  try {
    const kms = w.client(KEYS.root);
    for (let i = 0; i < 3; i++) await kms.createKey({});
    const pages = [];
    for await (const page of paginateListKeys({ client: w.sdk(KEYS.root) }, { Limit: 1 })) pages.push(page);
    assert.is(pages.length, 3);
    assert.equal(
      pages.map((p) => p.Keys.length),
      [1, 1, 1],
    );
    assert.equal(
      pages.map((p) => p.Truncated),
      [true, true, false],
    );
    assert.equal(
      pages.map((p) => p.NextMarker !== undefined),
      [true, true, false],
    );
  } finally {
    await w.close();
  }
});

test('a retry after a lost reply does not create a second key (same signed invocation id → same reply)', async () => {
  const w = await startServer();
  try {
    const sdk = new KMSClient({
      endpoint: w.url,
      region: 'us-east-1',
      credentials: sdkCredentials(KEYS.root),
      maxAttempts: 3,
    });
    let first = true;
    sdk.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        if (first) {
          first = false; // the server answered, but the client never sees it
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET', $metadata: {} });
        }
        return out;
      },
      { step: 'deserialize' },
    );
    const created = await sdk.send(new CreateKeyCommand({ Description: 'once' }));
    assert.is(created.$metadata.attempts, 2);
    const keys = await w.client(KEYS.root).listKeys({});
    assert.is(keys.Keys.length, 1, 'one key, not two');
    assert.is(keys.Keys[0].KeyId, created.KeyMetadata.KeyId);
    const creates = w.server.auditRecords().filter((r) => r.eventName === 'CreateKey');
    assert.is(creates.length, 2, 'both attempts are audited');
    assert.ok(creates[1].requestParameters.replayOf, 'the retry is recorded as a replay of the first');
  } finally {
    await w.close();
  }
});

test('protocol: unknown target, bad JSON, bad base64, wrong method/path, body over 1 MiB; statuses of the model', async () => {
  const w = await startServer();
  try {
    const call = async (target, body, date = new Date()) => {
      const s = signed(w.url, KEYS.root, target, body, date);
      const r = await rawPost(w.url, s.headers, s.body);
      return { status: r.status, ...JSON.parse(r.body || '{}'), headers: r.headers };
    };
    const unknown = await call('FrobnicateKey', '{}');
    assert.is(unknown.status, 400);
    assert.is(unknown.__type, 'UnknownOperationException');
    assert.is((await call('ListKeys', '{"Limit": ')).__type, 'SerializationException');
    assert.is((await call('ListKeys', '[1]')).__type, 'SerializationException');
    assert.is((await call('Decrypt', '{"CiphertextBlob":"not base64!"}')).__type, 'SerializationException');
    const empty = await call('ListKeys', '');
    assert.is(empty.status, 200, 'an empty body is {}');
    assert.equal(empty.Keys, []);
    assert.is(empty.Truncated, false);
    assert.ok(empty.headers['x-amzn-requestid']);
    assert.ok(Math.abs(new Date(empty.headers.date).getTime() - Date.now()) < 5000, 'Date is the wall clock');
    assert.is((await call('DescribeKey', '{"KeyId":"alias/none"}')).status, 404);
    const k = await w.client(KEYS.root).createKey({});
    await w.client(KEYS.root).disableKey({ KeyId: k.KeyMetadata.KeyId });
    const disabled = await call('Encrypt', JSON.stringify({ KeyId: k.KeyMetadata.KeyId, Plaintext: 'aGk=' }));
    assert.is(disabled.status, 409);
    assert.is(disabled.__type, 'DisabledException');
    const epoch = await call('DescribeKey', JSON.stringify({ KeyId: k.KeyMetadata.KeyId }));
    assert.type(epoch.KeyMetadata.CreationDate, 'number', 'timestamps are epoch seconds');
    assert.is(epoch.KeyMetadata.Arn.startsWith('arn:aws:kms:'), true);

    const get = await rawRequest(w.url, 'GET', '/', {}, '');
    assert.is(JSON.parse(get.body).__type, 'UnknownOperationException');
    const big = await rawRequest(w.url, 'POST', '/', { 'Content-Length': String(1024 * 1024 + 1) }, null);
    assert.is(big.status, 413);
    assert.is(JSON.parse(big.body).__type, 'RequestEntityTooLargeException');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      w.server.auditRecords().some((r) => r.errorCode === 'RequestEntityTooLargeException'),
      'the refused body is audited',
    );
    // A body that grows past the limit without announcing it: refused too, memory bounded.
    const chunked = await rawRequest(
      w.url,
      'POST',
      '/',
      { 'Transfer-Encoding': 'chunked' },
      'x'.repeat(1024 * 1024 + 10),
    );
    assert.ok(
      chunked.status === 413 || chunked.status === 'reset',
      `an oversized chunked body is refused (got ${chunked.status})`,
    );
  } finally {
    await w.close();
  }
});

test('slow clients: stalled headers and a stalled body are cut off (408) within the timeouts', async () => {
  const w = await startServer({ headersTimeoutMs: 500, requestTimeoutMs: 800 });
  try {
    const port = Number(new URL(w.url).port);
    const stall = (text) =>
      new Promise((resolve) => {
        const t0 = Date.now();
        let reply = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        socket.setEncoding('utf8').on('data', (d) => (reply += d));
        socket.on('close', () => resolve({ ms: Date.now() - t0, reply }));
        socket.on('error', () => undefined);
      });
    const headers = await stall('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Tar');
    assert.ok(headers.ms < 4000, `stalled headers cut after ${headers.ms} ms`);
    assert.match(headers.reply, /^HTTP\/1\.1 408/);
    const body = await stall('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"Limit"');
    assert.ok(body.ms < 4000, `stalled body cut after ${body.ms} ms`);
    assert.match(body.reply, /^HTTP\/1\.1 408/);
  } finally {
    await w.close();
  }
});

test('audit: every call under the mapped principal with access key id, source address and request id', async () => {
  const w = await startServer();
  try {
    const k = await w.client(KEYS.root).createKey({});
    await w
      .client(KEYS.eve)
      .describeKey({ KeyId: k.KeyMetadata.Arn })
      .catch(() => undefined);
    const records = w.server.auditRecords();
    const create = records.find((r) => r.eventName === 'CreateKey');
    assert.is(create.principal, ROOT);
    assert.is(create.accessKeyId, KEYS.root.accessKeyId);
    assert.is(create.sourceIPAddress, '127.0.0.1');
    assert.match(create.requestId, /^[0-9a-f-]{36}$/);
    assert.is(create.keyArn, k.KeyMetadata.Arn);
    const denied = records.find((r) => r.eventName === 'DescribeKey');
    assert.is(denied.principal, EVE);
    assert.is(denied.outcome, 'Failure');
    assert.is(denied.errorCode, 'AccessDeniedException');
    assert.is(denied.keyArn, k.KeyMetadata.Arn);
    const unused = await w.sdk(KEYS.root).send(new DescribeKeyCommand({ KeyId: k.KeyMetadata.KeyId }));
    assert.is(
      w.server.auditRecords().at(-1).requestId,
      unused.$metadata.requestId,
      "the record carries the reply's x-amzn-RequestId",
    );
  } finally {
    await w.close();
  }
});

// ---- a minimal raw signer for the negative cases (the real clients above sign the rest) ----

function signed(url, key, op, body, date) {
  const host = new URL(url).host;
  const amzDate = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    host,
    'x-amz-date': amzDate,
    'x-amz-target': `TrentService.${op}`,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    names.join(';'),
    createHash('sha256').update(body).digest('hex'),
  ].join('\n');
  const scope = `${day}/us-east-1/kms/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  let k = createHmac('sha256', 'AWS4' + key.secretAccessKey)
    .update(day)
    .digest();
  for (const part of ['us-east-1', 'kms', 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  const signature = createHmac('sha256', k).update(sts).digest('hex');
  const { host: _h, ...rest } = headers;
  return {
    headers: {
      ...rest,
      Authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    },
    body,
  };
}

function rawPost(url, headers, body) {
  return rawRequest(url, 'POST', '/', headers, body);
}

function rawRequest(url, method, path, headers, body) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      let data = '';
      res
        .setEncoding('utf8')
        .on('data', (d) => (data += d))
        .on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    // The server may cut a refused upload before the client has read the 413.
    req.on('error', (e) =>
      e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve({ status: 'reset', headers: {}, body: '' }) : reject(e),
    );
    if (body === null) req.flushHeaders();
    else req.end(body);
  });
}

test.run();
