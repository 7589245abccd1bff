import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../common/errors.js';
import { decodeSoftLabels, encodeFloat32Npy } from '../../../engine/npy.js';

/** A .npy file with a hand-written header dict and raw data bytes. */
function npy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  let text = header;
  text += ' '.repeat((64 - ((prefix + text.length + 1) % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(text);
  const out = new Uint8Array(prefix + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(data, prefix + headerBytes.length);
  return out;
}

const halves = (...bits: number[]): Uint8Array => new Uint8Array(Uint16Array.from(bits).buffer);
const floats = (...values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);

describe('decodeSoftLabels', () => {
  it('round-trips what encodeFloat32Npy writes', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i / 7);
    const decoded = decodeSoftLabels(encodeFloat32Npy(data, [2, 3, 4]), 'a.npy');
    assert.deepEqual([decoded.classes, decoded.height, decoded.width, decoded.dtype], [2, 3, 4, 'float32']);
    assert.deepEqual([...decoded.data], [...data]);
  });

  it('writes the header numpy writes', () => {
    const bytes = encodeFloat32Npy(new Float32Array(6), [1, 2, 3]);
    const headerLength = bytes[8] | (bytes[9] << 8);
    assert.equal((10 + headerLength) % 64, 0);
    assert.match(new TextDecoder().decode(bytes.subarray(10, 10 + headerLength)), /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1, 2, 3\), \} *\n$/);
  });

  it('reads format versions 2.0 and 3.0 and either quote style', () => {
    for (const version of [2, 3]) {
      const decoded = decodeSoftLabels(npy(`{"descr": "<f4", "fortran_order": False, "shape": (1, 1, 2)}`, floats(0.5, 0.25), version), 'v.npy');
      assert.deepEqual([...decoded.data], [0.5, 0.25]);
    }
  });

  it('widens float16 exactly', () => {
    // 1, -2, smallest subnormal 2^-24, largest finite 65504, 0x3555 = 1 + 341/1024 times 2^-2, +infinity.
    const decoded = decodeSoftLabels(npy(`{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2, 3), }`, halves(0x3c00, 0xc000, 0x0001, 0x7bff, 0x3555, 0x7c00)), 'h.npy');
    assert.equal(decoded.dtype, 'float16');
    assert.deepEqual([...decoded.data], [1, -2, 2 ** -24, 65504, (1 + 341 / 1024) / 4, Infinity]);
  });

  it('reads data that is not aligned in memory', () => {
    const file = encodeFloat32Npy(Float32Array.from([1.5, -3]), [1, 1, 2]);
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    assert.deepEqual([...decodeSoftLabels(shifted.subarray(1), 's.npy').data], [1.5, -3]);
  });

  it('decodes into the array it is given, float32 aligned or not and float16', () => {
    const file = encodeFloat32Npy(Float32Array.from([1.5, -3, 0.25, 7]), [1, 2, 2]);
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    const half = npy(`{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2, 2), }`, halves(0x3e00, 0xc200, 0x3400, 0x4700));
    for (const [bytes, name] of [[file, 'aligned'], [shifted.subarray(1), 'unaligned'], [half, 'float16']] as const) {
      const target = new Float32Array(8).fill(9);
      const asked: number[] = [];
      const decoded = decodeSoftLabels(bytes, `${name}.npy`, (count) => {
        asked.push(count);
        return target.subarray(2, 2 + count);
      });
      assert.deepEqual(asked, [4], name);
      assert.equal(decoded.data.buffer, target.buffer, name);
      assert.deepEqual([...target], [9, 9, 1.5, -3, 0.25, 7, 9, 9], name);
    }
    assert.throws(() => decodeSoftLabels(file, 'short.npy', () => new Float32Array(3)), /short\.npy: the array to decode into holds 3 values, expected 4/);
  });

  it('rejects other dtypes, orders, shapes and sizes, naming the file', () => {
    const reject = (bytes: Uint8Array, pattern: RegExp): void =>
      assert.throws(() => decodeSoftLabels(bytes, 'soft/x.npy'), (e: unknown) => e instanceof InputError && e.message.startsWith('soft/x.npy: ') && pattern.test(e.message));
    const header = (descr: string, fortran: string, shape: string): string => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
    reject(npy(header('<f8', 'False', '(1, 1, 1)'), new Uint8Array(8)), /got dtype "<f8"/);
    reject(npy(header('>f4', 'False', '(1, 1, 1)'), new Uint8Array(4)), /got dtype ">f4"/);
    reject(npy(header('|u1', 'False', '(1, 1, 1)'), new Uint8Array(1)), /dtype "\|u1"/);
    reject(npy(header('<f4', 'True', '(1, 1, 1)'), new Uint8Array(4)), /C order/);
    reject(npy(header('<f4', 'False', '(2, 2)'), new Uint8Array(16)), /shape C x H x W/);
    reject(npy(header('<f4', 'False', '(1, 0, 2)'), new Uint8Array(0)), /positive sizes/);
    reject(npy(header('<f4', 'False', '(1, 2, 2)'), new Uint8Array(12)), /12 data bytes .* expected 16/);
    reject(npy(header('<f4', 'False', '(1, 1, 1)'), new Uint8Array(8)), /8 data bytes/);
    reject(npy(`{'descr': '<f4', 'shape': (1, 1, 1)}`, new Uint8Array(4)), /lacks "fortran_order"/);
    reject(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1)`, new Uint8Array(4)), /unreadable .npy header/);
    reject(npy(header('<f4', 'False', '(1, 1, 1)'), new Uint8Array(4), 4), /unsupported .npy format version 4.0/);
    reject(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /bad magic/);
  });
});
