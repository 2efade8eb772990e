// The SIGKILL soak of `atrest serve` (scripts/soak-kms.mjs) at its bounded CI size: 4 kills at
// random moments under 8 concurrent SDK clients; every answered CreateKey/CreateGrant present
// after each restart, the key store opens, every answered call has its audit record.
// `npm run soak:kms` runs the full 50 restarts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSoak } from '../../scripts/soak-kms.mjs';

test('SIGKILL soak, 4 restarts: no answered mutation lost, no corrupt store, no lost audit record', async () => {
  const result = await runSoak({ restarts: 4 });
  assert.is(result.restarts, 4);
  assert.ok(result.answered.keys > 0, 'the loop got answers before the kills');
  assert.ok(result.auditRecords >= result.answered.keys + result.answered.grants);
});

test.run();
