// The KmsClient conformance scenario (tests/_lib/kms-conformance.js: all 27 operations, three
// principals, AWS's error names) against LocalKms in process. tests/node/kms-wire-sdk.test.js
// runs the same scenario through atrest/aws → atrest/server and compares the transcripts.
// Portable (Node, Deno, Chromium).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalKms, MemoryKeystore } from '../dist/index.js';
import { runConformance } from './_lib/kms-conformance.js';
import { ADMIN, ALICE, manualClock, ROOT } from './_lib/kms.js';

const BOB_ROLE = 'arn:aws:iam::111122223333:role/bob';
const BOB = 'arn:aws:sts::111122223333:assumed-role/bob/bob-session';

test('LocalKms passes the conformance scenario: every operation, and the errors AWS names', async () => {
  const clock = manualClock();
  const kms = new LocalKms({ clock, keystore: new MemoryKeystore() });
  const log = await runConformance(
    { root: kms.as(ROOT), admin: kms.as(ADMIN), alice: kms.as(ALICE), bob: kms.as(BOB) },
    { admin: ADMIN, alice: ALICE, bobRole: BOB_ROLE, bob: BOB },
    clock,
  );
  const outcome = (label) => {
    const e = log.find((x) => x.label === label);
    assert.ok(e, `step ${label} ran`);
    return e.error ?? 'ok';
  };
  assert.is(outcome('describe missing'), 'NotFoundException');
  assert.is(outcome('alias app again'), 'AlreadyExistsException');
  assert.is(outcome('decrypt wrong ec'), 'InvalidCiphertextException');
  assert.is(outcome('decrypt wrong key'), 'IncorrectKeyException');
  assert.is(outcome('root refused by the new policy'), 'AccessDeniedException');
  assert.is(outcome('bob gdk refused'), 'AccessDeniedException');
  assert.is(outcome('bob decrypt in ec'), 'ok');
  assert.is(outcome('bob gdk other ec'), 'AccessDeniedException');
  assert.is(outcome('bob after revoke'), 'AccessDeniedException');
  assert.is(outcome('alice encrypt via grant'), 'ok');
  assert.is(outcome('alice encrypt after retire'), 'AccessDeniedException');
  assert.is(outcome('encrypt disabled'), 'DisabledException');
  assert.is(outcome('encrypt pending'), 'KMSInvalidStateException');
  assert.is(outcome('put malformed'), 'MalformedPolicyDocumentException');
  assert.is(outcome('retire bad token'), 'InvalidGrantTokenException');
  assert.is(outcome('create bad spec'), 'UnsupportedOperationException');
  assert.is(outcome('list bad marker'), 'ValidationException');
  assert.is(outcome('describe deleted'), 'NotFoundException');
  assert.is(outcome('decrypt across rotations'), 'ok');
});

test.run();
