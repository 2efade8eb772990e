// The pure sector arithmetic of Volume.read / Volume.write (src/envelope/sector-ranges.ts),
// checked without a key service or a cipher: reads and writes of every small range over a
// byte-array model of the volume, against the same operation done directly on the model.
// Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readChunks, writeChunks } from '../build/tsc/envelope/sector-ranges.js';

const test = suite('sector-ranges');
const SS = 16;

function pattern(n, seed) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

test('readChunks: every range of a 5-sector volume, chunks of 1, 2 and 3 sectors, copies exactly the range', () => {
  const volume = pattern(5 * SS, 7);
  for (const chunkBytes of [SS, 2 * SS, 3 * SS + 5]) {
    for (let start = 0; start <= volume.length; start++) {
      for (let count = 0; start + count <= volume.length; count++) {
        const out = new Uint8Array(count);
        for (const c of readChunks(start, count, SS, chunkBytes)) {
          assert.ok(
            c.sectorCount >= 1 && (c.firstSector + c.sectorCount) * SS <= volume.length,
            `sectors inside the volume (start ${start}, count ${count})`,
          );
          assert.ok(
            c.to <= c.firstSector * SS + Math.max(chunkBytes, SS) && c.to <= c.sectorCount * SS,
            'a chunk stays inside its sectors',
          );
          const plain = volume.subarray(c.firstSector * SS, (c.firstSector + c.sectorCount) * SS);
          out.set(plain.subarray(c.from, c.to), c.outAt);
        }
        assert.equal(
          [...out],
          [...volume.subarray(start, start + count)],
          `start ${start}, count ${count}, chunk ${chunkBytes}`,
        );
      }
    }
  }
});

test('writeChunks: every write into a volume of 0..3 sectors, including past the end, gives the model result', () => {
  for (const chunkBytes of [SS, 2 * SS]) {
    for (const oldSize of [0, 5, SS, 2 * SS + 3]) {
      for (let start = 0; start <= 3 * SS; start++) {
        for (let length = 1; start + length <= 3 * SS + 4; length += 3) {
          const old = pattern(oldSize, 3);
          const data = pattern(length, 101);
          const end = start + length;
          // The model: old bytes, zeros in any gap, then the data.
          const expected = new Uint8Array(Math.max(oldSize, end));
          expected.set(old);
          expected.set(data, start);
          // Sector storage as Volume keeps it: whole sectors, bytes past the size are left over.
          const sectors = new Uint8Array(Math.ceil(expected.length / SS) * SS);
          sectors.set(old);
          sectors.fill(0xee, oldSize, Math.ceil(oldSize / SS) * SS); // stale bytes of a crashed write
          const from = Math.min(start, oldSize);
          const written = new Set();
          for (const c of writeChunks(from, end, start, oldSize, SS, chunkBytes)) {
            const plain = new Uint8Array(c.sectorCount * SS);
            for (const edge of c.edges) {
              assert.ok(edge < Math.ceil(oldSize / SS), 'only existing sectors are read');
              plain.set(sectors.subarray(edge * SS, (edge + 1) * SS), (edge - c.firstSector) * SS);
            }
            plain.fill(0, c.zeroFrom, c.zeroTo);
            if (c.dataTo > c.dataFrom) plain.set(data.subarray(c.dataFrom, c.dataTo), c.dataAt);
            assert.is(c.chunkStart, c.firstSector * SS);
            for (let s = c.firstSector; s < c.firstSector + c.sectorCount; s++) {
              assert.not.ok(written.has(s), `sector ${s} written once`);
              written.add(s);
            }
            sectors.set(plain, c.chunkStart);
          }
          const what = `old ${oldSize}, start ${start}, length ${length}, chunk ${chunkBytes}`;
          assert.equal([...sectors.subarray(0, expected.length)], [...expected], what);
        }
      }
    }
  }
});

test('writeChunks: an empty range writes nothing', () => {
  assert.equal([...writeChunks(10, 10, 10, 0, SS, SS)], []);
  assert.equal([...writeChunks(10, 5, 10, 0, SS, SS)], []);
});

test.run();
