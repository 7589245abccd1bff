/**
 * Soft labels as NumPy `.npy` files (format versions 1.0, 2.0 and 3.0,
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): little-endian float32
 * (`<f4`) or float16 (`<f2`, widened exactly to float32), C order, shape C x H x W. Anything else is
 * rejected with an error that names the file. Also the 2-D arrays that A2LC's classifier job reads
 * (float32 features, uint8 labels).
 */
import { InputError } from '../common/errors.js';
import { MAX_CLASSES } from './types.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

export interface SoftLabelArray {
  /**
   * C x H x W in C order: the array `into` gave, or else a view on the input bytes when they are
   * float32 and suitably aligned.
   */
  readonly data: Float32Array;
  readonly classes: number;
  readonly height: number;
  readonly width: number;
  readonly dtype: 'float32' | 'float16';
}

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/**
 * Parses the Python literal of a .npy header: a dict of str keys whose values are str, int, bool,
 * None, tuples or lists. Deliberately small: the format writes `repr` of such a dict.
 */
class HeaderParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): PyValue {
    const value = this.value();
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the header dict');
    return value;
  }

  private fail(why: string): never {
    throw new SyntaxError(`${why} at offset ${this.pos}`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private value(): PyValue {
    this.skipSpace();
    const ch = this.text[this.pos];
    if (ch === '{') return this.dict();
    if (ch === '(') return this.sequence(')');
    if (ch === '[') return this.sequence(']');
    if (ch === "'" || ch === '"') return this.string();
    const word = /^(True|False|None|-?\d+)/.exec(this.text.slice(this.pos));
    if (word === null) return this.fail('unexpected character');
    this.pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0]);
  }

  private string(): string {
    const quote = this.text[this.pos++];
    let out = '';
    while (this.pos < this.text.length && this.text[this.pos] !== quote) {
      if (this.text[this.pos] === '\\') this.pos++;
      out += this.text[this.pos++];
    }
    if (this.pos >= this.text.length) this.fail('unterminated string');
    this.pos++;
    return out;
  }

  private sequence(close: string): PyValue[] {
    this.pos++;
    const items: PyValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) break;
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected "," or "${close}"`);
    }
    this.pos++;
    return items;
  }

  private dict(): { [key: string]: PyValue } {
    this.pos++;
    const out: { [key: string]: PyValue } = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') break;
      const key = this.value();
      if (typeof key !== 'string') this.fail('dict key is not a string');
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      out[key] = this.value();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail('expected "," or "}"');
    }
    this.pos++;
    return out;
  }
}

interface NpyHeader {
  readonly descr: PyValue;
  readonly fortranOrder: PyValue;
  readonly shape: PyValue;
  readonly dataOffset: number;
}

function readHeader(bytes: Uint8Array, file: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new InputError(`${file}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new InputError(`${file}: truncated .npy header`);
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new InputError(`${file}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  const dataOffset = headerStart + headerLength;
  if (dataOffset > bytes.length) throw new InputError(`${file}: truncated .npy header`);
  const raw = bytes.subarray(headerStart, dataOffset);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(raw);
  let header: PyValue;
  try {
    header = new HeaderParser(text).parse();
  } catch (error) {
    throw new InputError(`${file}: unreadable .npy header (${(error as Error).message}): ${text.trim()}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new InputError(`${file}: .npy header is not a dict: ${text.trim()}`);
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in header)) throw new InputError(`${file}: .npy header lacks "${key}": ${text.trim()}`);
  }
  return { descr: header.descr, fortranOrder: header.fortran_order, shape: header.shape, dataOffset };
}

let halfTable: Float32Array | undefined;

/** Every float16 bit pattern as float32 (exact: float16 values are a subset of float32's). */
function float16Table(): Float32Array {
  if (halfTable !== undefined) return halfTable;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * fraction * 2 ** -24;
    else if (exponent === 31) table[bits] = fraction === 0 ? sign * Infinity : NaN;
    else table[bits] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return (halfTable = table);
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes a soft-label .npy file; `file` names it in error messages. With `into`, the values are
 * written to the array it returns for their count (e.g. the scoring kernel's own memory, see
 * `ScoringWorkspace.softLabelsArea`), so that they are copied once, from the file bytes to where
 * they are used.
 */
export function decodeSoftLabels(bytes: Uint8Array, file: string, into?: (count: number) => Float32Array): SoftLabelArray {
  const { descr, fortranOrder, shape, dataOffset } = readHeader(bytes, file);
  if (descr !== '<f4' && descr !== '<f2') {
    throw new InputError(`${file}: soft labels must be little-endian float32 ('<f4') or float16 ('<f2'), got dtype ${JSON.stringify(descr)}`);
  }
  if (fortranOrder !== false) throw new InputError(`${file}: soft labels must be in C order, got fortran_order ${JSON.stringify(fortranOrder)}`);
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d > 0)) {
    throw new InputError(`${file}: soft labels must have shape C x H x W with positive sizes, got ${JSON.stringify(shape)}`);
  }
  const [classes, height, width] = shape as number[];
  if (classes > MAX_CLASSES) throw new InputError(`${file}: ${classes} classes, at most ${MAX_CLASSES} are supported`);
  const count = classes * height * width;
  const itemSize = descr === '<f4' ? 4 : 2;
  const available = bytes.length - dataOffset;
  if (available !== count * itemSize) {
    throw new InputError(`${file}: ${available} data bytes for shape ${classes}x${height}x${width} of ${descr}, expected ${count * itemSize}`);
  }
  const start = bytes.byteOffset + dataOffset;
  const aligned = littleEndianHost && start % itemSize === 0;
  const view = new DataView(bytes.buffer, start, count * itemSize);
  let data: Float32Array;
  if (itemSize === 4) {
    if (aligned) {
      const values = new Float32Array(bytes.buffer, start, count);
      data = into === undefined ? values : targetOf(into, count, file);
      if (data !== values) data.set(values);
    } else {
      data = into === undefined ? new Float32Array(count) : targetOf(into, count, file);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    }
  } else {
    const table = float16Table();
    data = into === undefined ? new Float32Array(count) : targetOf(into, count, file);
    if (aligned) {
      const halves = new Uint16Array(bytes.buffer, start, count);
      for (let i = 0; i < count; i++) data[i] = table[halves[i]];
    } else {
      for (let i = 0; i < count; i++) data[i] = table[view.getUint16(i * 2, true)];
    }
  }
  return { data, classes, height, width, dtype: descr === '<f4' ? 'float32' : 'float16' };
}

function targetOf(into: (count: number) => Float32Array, count: number, file: string): Float32Array {
  const target = into(count);
  if (target.length !== count) throw new Error(`${file}: the array to decode into holds ${target.length} values, expected ${count}`);
  return target;
}

/** Encodes a float32 array as a version 1.0 .npy file (debug dumps, A2LC classifier features). */
export function encodeFloat32Npy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const { out, body } = npyWithHeader('<f4', shape, data.length, 4);
  for (let i = 0; i < data.length; i++) body.setFloat32(i * 4, data[i], true);
  return out;
}

/** Encodes a uint8 array as a version 1.0 .npy file (`|u1`: class ids, 255 = ignore). */
export function encodeUint8Npy(data: Uint8Array, shape: readonly number[]): Uint8Array {
  const { out, body } = npyWithHeader('|u1', shape, data.length, 1);
  new Uint8Array(body.buffer, body.byteOffset, data.length).set(data);
  return out;
}

/** A version 1.0 .npy buffer with its header written and a view on its (still empty) data. */
function npyWithHeader(descr: string, shape: readonly number[], length: number, itemSize: number): { out: Uint8Array; body: DataView } {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== length) throw new RangeError(`shape ${shape.join('x')} does not match ${length} values`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // The total header (magic, version, length, dict, newline) is padded to a multiple of 64 bytes.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + length * itemSize);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return { out, body: new DataView(out.buffer, 10 + header.length) };
}

export interface Float32Matrix {
  /** rows x cols in C order (a copy: independent of the input bytes). */
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** Decodes a 2-D little-endian float32 .npy file (rows x cols, C order; 0 rows allowed); `file` names it in errors. */
export function decodeFloat32Matrix(bytes: Uint8Array, file: string): Float32Matrix {
  const { descr, fortranOrder, shape, dataOffset } = readHeader(bytes, file);
  if (descr !== '<f4') throw new InputError(`${file}: expected little-endian float32 ('<f4'), got dtype ${JSON.stringify(descr)}`);
  if (fortranOrder !== false) throw new InputError(`${file}: expected C order, got fortran_order ${JSON.stringify(fortranOrder)}`);
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new InputError(`${file}: expected a 2-D shape (rows, cols), got ${JSON.stringify(shape)}`);
  }
  const [rows, cols] = shape as number[];
  const available = bytes.length - dataOffset;
  if (available !== rows * cols * 4) throw new InputError(`${file}: ${available} data bytes for shape ${rows}x${cols} of <f4, expected ${rows * cols * 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, available);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  return { data, rows, cols };
}
