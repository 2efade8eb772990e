// `atrest serve --listen` parsing and the loopback rule that decides whether plain HTTP is allowed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseListen } from '../../build/tsc/cli/commands/serve.js';
import { isLoopback } from '../../build/tsc/kms/server/http.js';

test('--listen HOST:PORT, [v6]:PORT, :PORT; bad forms are usage errors naming the option', () => {
  assert.equal(parseListen('127.0.0.1:4599'), { host: '127.0.0.1', port: 4599 });
  assert.equal(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.equal(parseListen(':0'), { host: '127.0.0.1', port: 0 });
  assert.equal(parseListen('localhost:8080'), { host: 'localhost', port: 8080 });
  for (const bad of ['127.0.0.1', '127.0.0.1:70000', '::1:80', 'host:port', '']) {
    assert.throws(
      () => parseListen(bad),
      (e) => e.name === 'UsageError' && /--listen takes HOST:PORT/.test(e.message),
      bad,
    );
  }
});

test('loopback: 127.0.0.0/8, ::1, localhost; nothing else', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])
    assert.ok(isLoopback(h), h);
  for (const h of [
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '192.168.1.1',
    '128.0.0.1',
    'example.com',
    '127.0.0.1.example.com',
    '1127.0.0.1',
  ])
    assert.not.ok(isLoopback(h), h);
});

test.run();
