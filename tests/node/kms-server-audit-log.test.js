// The server's append-only audit trail (src/kms/server/audit-log.ts): flushes of one turn share a
// write, later flushes wait for earlier writes, every record added before a flush resolved is
// in the file, in order, one JSON line each; an existing file is appended to, never truncated.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../build/tsc/kms/server/audit-log.js';

const record = (i) => ({
  eventTime: new Date(0),
  principal: 'p',
  eventName: `E${i}`,
  requestParameters: {},
  outcome: 'Success',
});

test('audit log: concurrent and interleaved flushes write every record once, in order, appending', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atrest-audit-log-'));
  try {
    const path = join(dir, 'audit.jsonl');
    await writeFile(path, '{"earlier":true}\n');
    const log = await AuditLog.open(path);
    const waits = [];
    for (let i = 0; i < 50; i++) {
      log.add(record(i));
      waits.push(log.flush());
      if (i % 7 === 0) await waits.at(-1); // some flushes start while others are writing
    }
    await Promise.all(waits);
    const afterFlush = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    assert.is(afterFlush.length, 51, 'every record added before its flush resolved is on disk');
    log.add(record(50));
    await log.close();
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    assert.equal(JSON.parse(lines[0]), { earlier: true });
    assert.equal(
      lines.slice(1).map((l) => JSON.parse(l).eventName),
      Array.from({ length: 51 }, (_, i) => `E${i}`),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
