// What the service does by itself, checked lazily at the start of every call (LocalKms has no
// timers; time comes only from the injected clock): destroy keys whose waiting period is over,
// rotate keys whose NextRotationDate has passed, and create the default key the first time a
// call names `alias/aws/atrest`.

import { SERVICE_PRINCIPAL, type AuditRecord } from './audit.js';
import { createDefaultKey, DEFAULT_KEY_ALIAS } from './default-key.js';
import { deletionDue, destroyKey } from './deletion.js';
import { aliasArn, keyArn, type KmsLocation } from './key-ids.js';
import { automaticRotationDue, rotateAutomatically } from './rotation.js';
import type { KmsState } from './state.js';

/** Request fields that name a key. */
const KEY_FIELDS = ['KeyId', 'TargetKeyId', 'SourceKeyId', 'DestinationKeyId'];

/** Whether a request names the default key's alias (by name or ARN). */
export function namesDefaultKey(where: KmsLocation, request: unknown): boolean {
  if (request === null || typeof request !== 'object') return false;
  const r = request as Record<string, unknown>;
  const arn = aliasArn(where, DEFAULT_KEY_ALIAS);
  return KEY_FIELDS.some((f) => r[f] === DEFAULT_KEY_ALIAS || r[f] === arn);
}

export function maintenanceDue(state: KmsState, now: Date, wantDefaultKey: boolean): boolean {
  if (wantDefaultKey && state.aliases[DEFAULT_KEY_ALIAS] === undefined) return true;
  return Object.values(state.keys).some((k) => deletionDue(k, now) || automaticRotationDue(k, now));
}

/** Applies the due work to `draft`; returns an audit record per change. */
export function performMaintenance(
  draft: KmsState,
  where: KmsLocation,
  now: Date,
  wantDefaultKey: boolean,
): AuditRecord[] {
  const events: AuditRecord[] = [];
  const event = (eventName: string, keyId: string): AuditRecord => ({
    eventTime: now,
    principal: SERVICE_PRINCIPAL,
    eventName,
    keyArn: keyArn(where, keyId),
    requestParameters: {},
    outcome: 'Success',
  });
  for (const key of Object.values(draft.keys)) {
    if (deletionDue(key, now)) {
      destroyKey(draft, key.keyId);
      events.push(event('DeleteKey', key.keyId));
    } else if (automaticRotationDue(key, now)) {
      rotateAutomatically(key, now);
      events.push(event('RotateKey', key.keyId));
    }
  }
  if (wantDefaultKey && draft.aliases[DEFAULT_KEY_ALIAS] === undefined) {
    const key = createDefaultKey(draft, where, now);
    events.push(event('CreateDefaultKey', key.keyId));
  }
  return events;
}
