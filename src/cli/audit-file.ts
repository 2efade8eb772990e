// The CLI's audit trail. LocalKms records every call in memory for the life of the object; a
// CLI process lives for one command, so each command appends its records here (JSON lines,
// file mode 0600, next to the key store) while it still holds the key store's lock, which keeps
// appends from concurrent commands apart. The records never hold plaintext or key material
// (LocalKms drops them); they do hold key ARNs, principals and encryption contexts.

import { appendFile, readFile } from 'node:fs/promises';
import type { AuditRecord } from '../kms/audit.js';
import { CorruptInputError } from './exit-codes.js';

export async function appendAuditRecords(path: string, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  await appendFile(path, records.map((r) => JSON.stringify(r) + '\n').join(''), { mode: 0o600 });
}

/** The trail's records, oldest first, with eventTime as a Date; [] when there is none yet. */
export async function readAuditRecords(path: string): Promise<AuditRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return [];
    throw e;
  }
  const records: AuditRecord[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      throw new CorruptInputError(`${path}: line ${index + 1} is not a JSON audit record`);
    }
    record.eventTime = new Date(record.eventTime as unknown as string);
    records.push(record);
  });
  return records;
}
