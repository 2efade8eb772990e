// XTS-AES-256 with node:crypto the way a Node user writes it today: one createCipheriv /
// createDecipheriv per sector, the IV being the sector number as a 128-bit little-endian integer
// (dm-crypt plain64, what OpenSSL takes as the XTS tweak). Node only (Deno's node:crypto has no
// aes-256-xts). Also the oracle every other contender is checked against.
import { createCipheriv, createDecipheriv } from 'node:crypto';

const TWO32 = 2 ** 32;

export class NodeXts {
  constructor(key64, sectorSize) {
    this.key = Buffer.from(key64);
    this.size = sectorSize;
    this.iv = Buffer.alloc(16);
  }

  encrypt(data, firstSector = 0, out = new Uint8Array(data.length)) {
    return this.run(data, firstSector, out, createCipheriv);
  }

  decrypt(data, firstSector = 0, out = new Uint8Array(data.length)) {
    return this.run(data, firstSector, out, createDecipheriv);
  }

  run(data, first, out, make) {
    const size = this.size;
    const iv = this.iv;
    for (let off = 0, s = first; off < data.length; off += size, s++) {
      iv.writeUInt32LE(s >>> 0, 0);
      iv.writeUInt32LE(Math.floor(s / TWO32) >>> 0, 4);
      const c = make('aes-256-xts', this.key, iv);
      const head = c.update(data.subarray(off, Math.min(off + size, data.length)));
      out.set(head, off);
      const tail = c.final();
      if (tail.length) out.set(tail, off + head.length);
    }
    return out;
  }
}
