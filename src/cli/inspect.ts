// The clear header fields of an encrypted file, for `atrest inspect` and the results of
// encrypt/rewrap. Uses the envelope layer's own header reader (both copies, decoded without a
// key); the header MAC needs the data key, so what is shown here is what the file claims, not
// yet authenticated — decrypt is what checks it.

import { FLAG_SCRATCH, FLAG_SIZE_IN_TRAILER, FORMAT_VERSION } from '../envelope/format.js';
import { readHeaderCopies } from '../envelope/header-copies.js';
import type { DecodedHeader } from '../envelope/header.js';
import { FileBlockStore } from '../fs/index.js';
import type { EncryptionContext } from '../kms/types.js';
import { regularFileSize } from './files.js';
import { escapeTerminal } from './output.js';

export interface InspectedWrappedKey {
  keyArn: string;
  encryptionContext: EncryptionContext;
  ciphertextBlobBytes: number;
  grantId: string | null;
  grantee: string | null;
}

export interface InspectedFile {
  file: string;
  fileBytes: number;
  formatVersion: number;
  /** 'stream': written by encrypt (size in the trailer, read-only); 'volume': a block volume. */
  layout: 'stream' | 'volume';
  scratch: boolean;
  cipher: string;
  sectorSize: number;
  copySize: number;
  dataOffset: number;
  sequence: number;
  volumeId: string;
  wrappedKeys: InspectedWrappedKey[];
  /** Per header copy: 'decodes' or why it does not. */
  headerCopies: { offset: number; status: string }[];
}

export async function inspectFile(path: string): Promise<InspectedFile> {
  const fileBytes = await regularFileSize(path, 'inspect');
  const store = await FileBlockStore.open(path, { readOnly: true });
  try {
    const copies = await readHeaderCopies(store, `inspect ${path}`);
    // The newest copy that decodes (sequence numbers order the copies).
    const header = copies
      .map((c) => c.header)
      .filter((h): h is DecodedHeader => h !== undefined)
      .sort((a, b) => b.fields.sequence - a.fields.sequence)[0]!;
    const f = header.fields;
    return {
      file: path,
      fileBytes,
      formatVersion: FORMAT_VERSION,
      layout: (f.flags & FLAG_SIZE_IN_TRAILER) !== 0 ? 'stream' : 'volume',
      scratch: (f.flags & FLAG_SCRATCH) !== 0,
      cipher: f.cipher,
      sectorSize: f.sectorSize,
      copySize: f.copySize,
      dataOffset: f.dataOffset,
      sequence: f.sequence,
      volumeId: Array.from(f.volumeId, (b) => b.toString(16).padStart(2, '0')).join(''),
      wrappedKeys: f.wrappedKeys.map((w) => ({
        keyArn: w.keyArn,
        encryptionContext: { ...w.encryptionContext },
        ciphertextBlobBytes: w.ciphertextBlob.length,
        grantId: w.grantId ?? null,
        grantee: w.grantee ?? null,
      })),
      headerCopies: copies.map((c) => ({
        offset: c.offset,
        status: c.header !== undefined ? 'decodes' : `unreadable: ${c.problem?.message ?? 'unknown'}`,
      })),
    };
  } finally {
    await store.close();
  }
}

export function inspectLines(h: InspectedFile): string[] {
  // Header strings are untrusted: escaped here, so a newline in one cannot fake a line.
  const context = (c: EncryptionContext) =>
    Object.entries(c)
      .map(([k, v]) => `${escapeTerminal(k)}=${escapeTerminal(v)}`)
      .join(', ');
  return [
    `${h.file}: atrest format version ${h.formatVersion}, ${h.layout === 'stream' ? 'encrypted file (stream; size sealed in the trailer)' : 'volume'}${h.scratch ? ', scratch' : ''}, ${h.fileBytes} bytes`,
    `cipher:       ${h.cipher}, ${h.sectorSize}-byte sectors, data from byte ${h.dataOffset}`,
    `header:       two copies of ${h.copySize} bytes, sequence ${h.sequence} (${h.headerCopies.map((c) => `@${c.offset} ${c.status}`).join('; ')})`,
    `volume id:    ${h.volumeId}`,
    ...h.wrappedKeys.flatMap((w, i) => [
      `wrapped key ${i + 1}: ${escapeTerminal(w.keyArn)} (${w.ciphertextBlobBytes}-byte blob)${w.grantId ? `, grant ${escapeTerminal(w.grantId)} for ${escapeTerminal(w.grantee ?? '')}` : ''}`,
      `  context:    ${context(w.encryptionContext)}`,
    ]),
    'not shown: the size and metadata (sealed) and the header MAC (checked only with the data key)',
  ];
}
