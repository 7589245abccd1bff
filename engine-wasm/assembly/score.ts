// Superpixel scoring of ../../shared/alc-spec.md as a WebAssembly SIMD kernel (AssemblyScript),
// built by scripts/build-wasm.sh. ../../engine/score-image.ts states the arithmetic contract;
// ../README.md how this kernel keeps it and its memory layout. This file only computes: the loader
// (../score-kernel.ts) validates sizes, places every array in linear memory and describes them in
// a parameter block.
//
// Bit-for-bit rules kept by every path below (a vector operation gives, lane by lane, the bits of
// the scalar operation; only the order of additions matters):
// - a pixel's sums over classes (squared norm, dot products): one pixel per lane, classes added in
//   order from +0;
// - a (superpixel, class) sum over pixels: one class per lane, pixels added one after the other;
// - a per-superpixel sum: the lanes of a group added to a scalar one after the other; lanes left
//   out add +0, which leaves these sums (never -0: they start at +0) unchanged;
// - argmax compares float32 values, strictly greater, classes ascending (ties: smallest class);
//   the best cosine likewise, pixels in row-major order.
//
// Pixels go in groups of eight. In pass 1 a group of one superpixel and one predicted class, with
// valid labels and finite non-zero vectors, takes the fast vector path, any other valid group adds
// each of its (superpixel, class) pairs with masked lanes, and a group with an invalid value goes
// pixel by pixel (which reports the first); the later passes take a group's superpixels in turn,
// each with the lanes of its pixels. The tail of the image (fewer than eight pixels) goes pixel by
// pixel. Loads take constant offsets from one address where they can: V8 then keeps the address
// arithmetic out of the loops.

// Slots (32-bit) of the parameter block.
const CLASSES = 0;
const PIXELS = 1;
const SUPERPIXELS = 2;
const A2LC = 3;
const SOFT_LABELS = 4; // f32, C planes of hw
const LABELS = 5; // u8, hw
const INDEX = 6; // i32, hw: compact superpixel index, 0 = none
const ARGMAX = 7; // u8, hw
const NORM = 8; // f64, hw
const EXPANSION_OUT = 9; // i32, hw, or 0 when not wanted
const PAIR_ROW = 10; // i32, (n + 1) * C: row of class sums of (superpixel, predicted class), -1 = none
const DOMINANT_COUNTS = 11; // u32, (n + 1) * C
const LABEL_COUNTS = 12; // u32, (n + 1) * C
const DOMINANT_LABEL_COUNTS = 13; // u32, (n + 1) * (C + 1)
const ROW_COUNTS = 14; // u32, rows
const ROW_SUMS = 15; // f64, rows * CE (CE = C rounded up to even)
const DOMINANT = 16; // i32, n + 1
const VECTORS = 17; // f64, (n + 1) * C
const VECTOR_NORMS = 18; // f64, n + 1
const BEST_COS = 19; // f64, n + 1
const REPRESENTATIVE = 20; // i32, n + 1
const EXPANSION_COUNT = 21; // u32, n + 1
const ERROR_SUM = 22; // f64, n + 1
const SIM_SUM = 23; // f64, n + 1
const CLASS_TERMS = 24; // f64, (n + 1) * C
const OUT_PIXELS = 25; // u32, n
const OUT_LABEL = 26; // u8, n
const OUT_DOMINANT = 27; // u8, n
const OUT_PIXEL_SCORE = 28; // f64, n
const OUT_CIL = 29; // f64, n
const OUT_SIM = 30; // f64, n
const SCRATCH = 31; // 2176 bytes, 16-aligned: the SCRATCH_* areas below
const ERROR_PIXEL = 32; // out: the pixel an error code refers to
const TAU = 34; // f64 (slots 34-35)
const SUPERPIXEL_MAP = 36; // u8, u16 or u32 ids, hw
const ID_BYTES = 37; // 1, 2 or 4
const LARGEST_ID = 38; // the largest id the map may hold (dense table size - 1)
const ID_TABLE = 39; // i32, largest id + 1: id -> compact index
const IDS_OUT = 40; // u32: the ids present, ascending
const VECTORS32 = 41; // f32, (n + 1) * C: ALC's means rounded to float32, for the pre-test of pass 2

// Areas of the scratch memory (byte offsets). Pass 1 also keeps a group's argmax and squared norms at 0.
const SCRATCH_COSINES: usize = 0; // f64 x 8
const SCRATCH_WEIGHTED: usize = 64; // f64 x 8
const SCRATCH_BLOCK: usize = 128; // f64 x BLOCK: the last pass's cosines of a block of pixels
/** Pixels per block of the last pass (a multiple of 8): its cosines stay in the L1 cache. */
const BLOCK: usize = 256;

/** Return codes of `score`. */
const OK = 0;
const LABEL_OUT_OF_RANGE = 1;
const NOT_FINITE = 2;

const IGNORE: i32 = 255;

let rowsUsed: i32 = 0;

@inline function slot(params: usize, at: i32): usize {
  return <usize>load<u32>(params + (<usize>at << 2));
}

/** The float64 values of lanes 2 and 3 of a float32x4. */
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

@inline function superpixelId(S: usize, bytes: usize, x: usize): usize {
  return bytes == 1 ? <usize>load<u8>(S + x) : bytes == 2 ? <usize>load<u16>(S + (x << 1)) : <usize>load<u32>(S + (x << 2));
}

/** Whether the eight ids at x are equal (a superpixel map is mostly runs). */
@inline function sameIds(S: usize, bytes: usize, x: usize): bool {
  if (bytes == 1) {
    const v = v128.load64_zero(S + x);
    return (i8x16.bitmask(i8x16.eq(v, i8x16.splat(load<u8>(S + x)))) & 0xff) == 0xff;
  }
  if (bytes == 2) return i16x8.all_true(i16x8.eq(v128.load(S + (x << 1)), v128.load16_splat(S + (x << 1))));
  const first = v128.load32_splat(S + (x << 2));
  return i32x4.all_true(v128.and(i32x4.eq(v128.load(S + (x << 2)), first), i32x4.eq(v128.load(S + (x << 2), 16), first)));
}

/** The largest id of a superpixel map of hw ids of `bytes` bytes each (the size of the dense id table). */
export function largestId(S: usize, bytes: usize, hw: usize): u32 {
  let largest: u32 = 0;
  let x: usize = 0;
  if (bytes == 4) {
    let most = i32x4.splat(0);
    for (; x + 4 <= hw; x += 4) most = i32x4.max_u(most, v128.load(S + (x << 2)));
    largest = max(max(<u32>i32x4.extract_lane(most, 0), <u32>i32x4.extract_lane(most, 1)), max(<u32>i32x4.extract_lane(most, 2), <u32>i32x4.extract_lane(most, 3)));
  } else if (bytes == 2) {
    let most = i16x8.splat(0);
    for (; x + 8 <= hw; x += 8) most = i16x8.max_u(most, v128.load(S + (x << 1)));
    most = i16x8.max_u(most, i32x4.shuffle(most, most, 2, 3, 0, 1));
    most = i16x8.max_u(most, i32x4.shuffle(most, most, 1, 0, 3, 2));
    most = i16x8.max_u(most, i16x8.shuffle(most, most, 1, 0, 3, 2, 5, 4, 7, 6));
    largest = <u32>i16x8.extract_lane_u(most, 0);
  } else {
    let most = i8x16.splat(0);
    for (; x + 16 <= hw; x += 16) most = i8x16.max_u(most, v128.load(S + x));
    most = i8x16.max_u(most, i32x4.shuffle(most, most, 2, 3, 0, 1));
    most = i8x16.max_u(most, i32x4.shuffle(most, most, 1, 0, 3, 2));
    most = i8x16.max_u(most, i16x8.shuffle(most, most, 1, 0, 3, 2, 5, 4, 7, 6));
    most = i8x16.max_u(most, i8x16.shuffle(most, most, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
    largest = <u32>i8x16.extract_lane_u(most, 0);
  }
  for (; x < hw; x++) largest = max(largest, <u32>superpixelId(S, bytes, x));
  return largest;
}

/**
 * Maps the superpixel ids to compact indices 1..n in increasing id order (0 stays 0) through a
 * dense table: fills INDEX and IDS_OUT, returns n.
 */
export function compact(params: usize): i32 {
  const hw = slot(params, PIXELS);
  const S = slot(params, SUPERPIXEL_MAP);
  const bytes = slot(params, ID_BYTES);
  const largest = slot(params, LARGEST_ID);
  const table = slot(params, ID_TABLE);
  const ids = slot(params, IDS_OUT);
  const K = slot(params, INDEX);
  memory.fill(table, 0, (largest + 1) << 2);
  const groups = hw & ~(<usize>7);
  for (let x: usize = 0; x < hw; x++) {
    store<i32>(table + (superpixelId(S, bytes, x) << 2), 1);
    // Skip the rest of a group of eight equal ids.
    if ((x & 7) == 0 && x < groups && sameIds(S, bytes, x)) x += 7;
  }
  store<i32>(table, 0);
  let n = 0;
  for (let id: usize = 1; id <= largest; id++) {
    if (load<i32>(table + (id << 2)) == 0) continue;
    store<u32>(ids + (<usize>n << 2), <u32>id);
    store<i32>(table + (id << 2), ++n);
  }
  for (let x: usize = 0; x < groups; x += 8) {
    if (sameIds(S, bytes, x)) {
      const k = v128.load32_splat(table + (superpixelId(S, bytes, x) << 2));
      v128.store(K + (x << 2), k);
      v128.store(K + (x << 2), k, 16);
      continue;
    }
    for (let j: usize = 0; j < 8; j++) store<i32>(K + ((x + j) << 2), load<i32>(table + (superpixelId(S, bytes, x + j) << 2)));
  }
  for (let x = groups; x < hw; x++) store<i32>(K + (x << 2), load<i32>(table + (superpixelId(S, bytes, x) << 2)));
  return n;
}

/** Scores one image described by the parameter block at `params`; returns OK or an error code. */
export function score(params: usize): i32 {
  const C = <i32>slot(params, CLASSES);
  const n = <i32>slot(params, SUPERPIXELS);
  reset(params, C, n);
  const error = firstPass(params, C);
  if (error != OK) return error;
  dominantMeans(params, C, n);
  const a2lc = slot(params, A2LC) != 0;
  if (!a2lc) {
    representativePass(params, C, n);
    useRepresentativeVectors(params, C, n);
  }
  expansionPass(params, C, a2lc);
  collect(params, C, n, a2lc);
  return OK;
}

function reset(params: usize, C: i32, n: i32): void {
  const slots = <usize>(n + 1);
  const cells = slots * <usize>C;
  memory.fill(slot(params, PAIR_ROW), 0xff, cells << 2);
  memory.fill(slot(params, DOMINANT_COUNTS), 0, cells << 2);
  memory.fill(slot(params, LABEL_COUNTS), 0, cells << 2);
  memory.fill(slot(params, CLASS_TERMS), 0, cells << 3);
  memory.fill(slot(params, DOMINANT_LABEL_COUNTS), 0, (slots * <usize>(C + 1)) << 2);
  memory.fill(slot(params, REPRESENTATIVE), 0xff, slots << 2);
  memory.fill(slot(params, EXPANSION_COUNT), 0, slots << 2);
  memory.fill(slot(params, ERROR_SUM), 0, slots << 3);
  memory.fill(slot(params, SIM_SUM), 0, slots << 3);
  const bestCos = slot(params, BEST_COS);
  for (let k: usize = 0; k < slots; k++) store<f64>(bestCos + (k << 3), -Infinity);
  const expansionOut = slot(params, EXPANSION_OUT);
  if (expansionOut != 0) memory.fill(expansionOut, 0xff, slot(params, PIXELS) << 2);
  // Rows 0 and 1 are the zero row and the first spare (firstPass).
  rowsUsed = 2;
}

/** The row of class sums of (superpixel, predicted class) `pair`, created (zeroed) on first use. */
@inline function rowOf(params: usize, pair: usize, CE: usize): usize {
  const pairRow = slot(params, PAIR_ROW) + (pair << 2);
  let row = load<i32>(pairRow);
  if (row < 0) {
    row = rowsUsed++;
    store<i32>(pairRow, row);
    store<u32>(slot(params, ROW_COUNTS) + (<usize>row << 2), 0);
    memory.fill(slot(params, ROW_SUMS) + <usize>row * CE * 8, 0, CE * 8);
  }
  return <usize>row;
}

/**
 * Pass 1, one pixel whose argmax `a` and squared norm `sumSq` are known: label check, A and |P|,
 * votes, label counts and the class sums of its (superpixel, class) row. Returns OK or an error code.
 */
function firstPassPixel(params: usize, C: i32, px: usize, a: i32, sumSq: f64): i32 {
  const label = <i32>load<u8>(slot(params, LABELS) + px);
  if (label >= C && label != IGNORE) {
    store<u32>(params + (ERROR_PIXEL << 2), <u32>px);
    return LABEL_OUT_OF_RANGE;
  }
  const k = <usize>load<i32>(slot(params, INDEX) + (px << 2));
  if (k == 0) return OK;
  if (!(sumSq < Infinity)) {
    store<u32>(params + (ERROR_PIXEL << 2), <u32>px);
    return NOT_FINITE;
  }
  store<u8>(slot(params, ARGMAX) + px, <u8>a);
  store<f64>(slot(params, NORM) + (px << 3), Math.sqrt(sumSq));
  const pair = k * <usize>C + <usize>a;
  const counts = slot(params, DOMINANT_COUNTS) + (pair << 2);
  store<u32>(counts, load<u32>(counts) + 1);
  if (label != IGNORE) {
    const labelCount = slot(params, LABEL_COUNTS) + ((k * <usize>C + <usize>label) << 2);
    store<u32>(labelCount, load<u32>(labelCount) + 1);
  }
  if (sumSq == 0) return OK;
  const CE = <usize>((C + 1) & ~1);
  const row = rowOf(params, pair, CE);
  const rowCount = slot(params, ROW_COUNTS) + (row << 2);
  store<u32>(rowCount, load<u32>(rowCount) + 1);
  const plane = slot(params, PIXELS) << 2;
  let p = slot(params, SOFT_LABELS) + (px << 2);
  let r = slot(params, ROW_SUMS) + row * CE * 8;
  for (let c = 0; c < C; c++, p += plane, r += 8) store<f64>(r, load<f64>(r) + <f64>load<f32>(p));
  return OK;
}

/** Rows 0 and 1 of the class sums: always zero, and the spare a group's new sums are written into. */
const ZERO_ROW: usize = 0;
const FIRST_SPARE_ROW: usize = 1;

/**
 * Pass 1 over P: A(x) and |P(x)|, the votes for d, the label counts, and per (superpixel, predicted
 * class) the class sums of P, so the mean over D is known as soon as d is. Validates every label.
 *
 * Per group of eight, a first loop over the classes finds the argmax (float32 lanes); when the
 * group is one superpixel with one predicted class, a second loop computes the squared norms and
 * the pair's row of class sums plus the group, written into a spare row that replaces the row once
 * every vector of the group proves finite and non-zero; else a loop computes the squared norms, and
 * a valid group goes to mixedGroup, an invalid one pixel by pixel.
 */
function firstPass(params: usize, C: i32): i32 {
  const hw = <usize>slot(params, PIXELS);
  const P = slot(params, SOFT_LABELS);
  const L = slot(params, LABELS);
  const K = slot(params, INDEX);
  const A = slot(params, ARGMAX);
  const N = slot(params, NORM);
  const pairRow = slot(params, PAIR_ROW);
  const dominantCounts = slot(params, DOMINANT_COUNTS);
  const labelCounts = slot(params, LABEL_COUNTS);
  const rowCounts = slot(params, ROW_COUNTS);
  const rowSums = slot(params, ROW_SUMS);
  const scratch = slot(params, SCRATCH);
  const CE = <usize>((C + 1) & ~1);
  const rowBytes = CE << 3;
  const plane = hw << 2;
  const zero = f64x2.splat(0);
  const infinity = f64x2.splat(Infinity);
  const classLimit = i8x16.splat(<i8>C);
  const ignore = i8x16.splat(<i8>IGNORE);
  const groups = hw & ~(<usize>7);
  memory.fill(rowSums + ZERO_ROW * rowBytes, 0, rowBytes);
  store<u32>(rowCounts + (ZERO_ROW << 2), 0);
  let spare = FIRST_SPARE_ROW;
  for (let x: usize = 0; x < groups; x += 8) {
    const K0 = v128.load(K + (x << 2));
    const K1 = v128.load(K + (x << 2), 16);
    const k = i32x4.extract_lane(K0, 0);
    const kv = i32x4.splat(k);
    const sameSuperpixel = i32x4.all_true(v128.and(i32x4.eq(K0, kv), i32x4.eq(K1, kv)));
    const labels = v128.load64_zero(L + x);
    const validLabels = i8x16.all_true(v128.or(i8x16.lt_u(labels, classLimit), i8x16.eq(labels, ignore)));
    // Pixels outside every superpixel need only their labels checked.
    if (k == 0 && validLabels && sameSuperpixel) continue;
    const p = P + (x << 2);

    // Argmax of the eight pixels, classes in order: a class replaces the best only if strictly greater.
    let best0 = v128.load(p);
    let best1 = v128.load(p, 16);
    let arg0 = i32x4.splat(0);
    let arg1 = arg0;
    let q = p + plane;
    let c = 1;
    // The class in every lane, counted up (cheaper than a splat per class).
    let cls = i32x4.splat(1);
    const oneClass = i32x4.splat(1);
    // Two classes per iteration (in order), to halve the loop overhead.
    for (; c + 1 < C; c += 2, q += plane << 1) {
      let v0 = v128.load(q);
      let v1 = v128.load(q, 16);
      arg0 = i32x4.max_s(arg0, v128.and(f32x4.lt(best0, v0), cls));
      arg1 = i32x4.max_s(arg1, v128.and(f32x4.lt(best1, v1), cls));
      best0 = f32x4.pmax(best0, v0);
      best1 = f32x4.pmax(best1, v1);
      cls = i32x4.add(cls, oneClass);
      const q1 = q + plane;
      v0 = v128.load(q1);
      v1 = v128.load(q1, 16);
      arg0 = i32x4.max_s(arg0, v128.and(f32x4.lt(best0, v0), cls));
      arg1 = i32x4.max_s(arg1, v128.and(f32x4.lt(best1, v1), cls));
      best0 = f32x4.pmax(best0, v0);
      best1 = f32x4.pmax(best1, v1);
      cls = i32x4.add(cls, oneClass);
    }
    if (c < C) {
      const v0 = v128.load(q);
      const v1 = v128.load(q, 16);
      arg0 = i32x4.max_s(arg0, v128.and(f32x4.lt(best0, v0), cls));
      arg1 = i32x4.max_s(arg1, v128.and(f32x4.lt(best1, v1), cls));
    }
    const a = i32x4.extract_lane(arg0, 0);
    const av = i32x4.splat(a);
    const onePair = k != 0 && sameSuperpixel && validLabels && i32x4.all_true(v128.and(i32x4.eq(arg0, av), i32x4.eq(arg1, av)));

    // Squared norms (lanes: pixels), and for one pair its row plus the group (lanes: two classes).
    const kC = <usize>k * <usize>C;
    let from = ZERO_ROW;
    if (onePair) {
      const row = load<i32>(pairRow + ((kC + <usize>a) << 2));
      if (row >= 0) from = <usize>row;
    }
    let s0 = zero;
    let s1 = zero;
    let s2 = zero;
    let s3 = zero;
    q = p;
    c = 0;
    if (onePair) {
      let source = rowSums + from * rowBytes;
      let target = rowSums + spare * rowBytes;
      for (; c + 1 < C; c += 2, q += plane << 1, source += 16, target += 16) {
        let sum = v128.load(source);
        const qw = q + plane;
        let lowV = f64x2.promote_low_f32x4(v128.load64_zero(q));
        let lowW = f64x2.promote_low_f32x4(v128.load64_zero(qw));
        s0 = f64x2.add(f64x2.add(s0, f64x2.mul(lowV, lowV)), f64x2.mul(lowW, lowW));
        sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(lowV, lowW, 0, 2)), f64x2.shuffle(lowV, lowW, 1, 3));
        let highV = f64x2.promote_low_f32x4(v128.load64_zero(q, 8));
        let highW = f64x2.promote_low_f32x4(v128.load64_zero(qw, 8));
        s1 = f64x2.add(f64x2.add(s1, f64x2.mul(highV, highV)), f64x2.mul(highW, highW));
        sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(highV, highW, 0, 2)), f64x2.shuffle(highV, highW, 1, 3));
        lowV = f64x2.promote_low_f32x4(v128.load64_zero(q, 16));
        lowW = f64x2.promote_low_f32x4(v128.load64_zero(qw, 16));
        s2 = f64x2.add(f64x2.add(s2, f64x2.mul(lowV, lowV)), f64x2.mul(lowW, lowW));
        sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(lowV, lowW, 0, 2)), f64x2.shuffle(lowV, lowW, 1, 3));
        highV = f64x2.promote_low_f32x4(v128.load64_zero(q, 24));
        highW = f64x2.promote_low_f32x4(v128.load64_zero(qw, 24));
        s3 = f64x2.add(f64x2.add(s3, f64x2.mul(highV, highV)), f64x2.mul(highW, highW));
        sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(highV, highW, 0, 2)), f64x2.shuffle(highV, highW, 1, 3));
        v128.store(target, sum);
      }
      if (c < C) {
        // Last class of an odd C: its lane pairs with a zero.
        let sum = v128.load(source);
        const v = v128.load(q);
        const w = v128.load(q, 16);
        const v01 = f64x2.promote_low_f32x4(v);
        const v23 = promoteHigh(v);
        const v45 = f64x2.promote_low_f32x4(w);
        const v67 = promoteHigh(w);
        s0 = f64x2.add(s0, f64x2.mul(v01, v01));
        s1 = f64x2.add(s1, f64x2.mul(v23, v23));
        s2 = f64x2.add(s2, f64x2.mul(v45, v45));
        s3 = f64x2.add(s3, f64x2.mul(v67, v67));
        sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v01, zero, 0, 2)), f64x2.shuffle(v01, zero, 1, 3));
        sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v23, zero, 0, 2)), f64x2.shuffle(v23, zero, 1, 3));
        sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v45, zero, 0, 2)), f64x2.shuffle(v45, zero, 1, 3));
        sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v67, zero, 0, 2)), f64x2.shuffle(v67, zero, 1, 3));
        v128.store(target, sum);
      }
    } else {
      for (; c < C; c++, q += plane) {
        const v01 = f64x2.promote_low_f32x4(v128.load64_zero(q));
        const v23 = f64x2.promote_low_f32x4(v128.load64_zero(q, 8));
        const v45 = f64x2.promote_low_f32x4(v128.load64_zero(q, 16));
        const v67 = f64x2.promote_low_f32x4(v128.load64_zero(q, 24));
        s0 = f64x2.add(s0, f64x2.mul(v01, v01));
        s1 = f64x2.add(s1, f64x2.mul(v23, v23));
        s2 = f64x2.add(s2, f64x2.mul(v45, v45));
        s3 = f64x2.add(s3, f64x2.mul(v67, v67));
      }
    }
    const finite = v128.and(
      v128.and(v128.and(f64x2.gt(s0, zero), f64x2.lt(s0, infinity)), v128.and(f64x2.gt(s1, zero), f64x2.lt(s1, infinity))),
      v128.and(v128.and(f64x2.gt(s2, zero), f64x2.lt(s2, infinity)), v128.and(f64x2.gt(s3, zero), f64x2.lt(s3, infinity))),
    );
    if (onePair && i64x2.all_true(finite)) {
      // Eight valid pixels of one superpixel with one predicted class: the spare row becomes the pair's row.
      const pair = kC + <usize>a;
      store<i32>(pairRow + (pair << 2), <i32>spare);
      store<u32>(rowCounts + (spare << 2), load<u32>(rowCounts + (from << 2)) + 8);
      spare = from == ZERO_ROW ? <usize>(rowsUsed++) : from;
      store<u64>(A + x, <u64>a * 0x0101010101010101);
      const norms = N + (x << 3);
      v128.store(norms, f64x2.sqrt(s0));
      v128.store(norms, f64x2.sqrt(s1), 16);
      v128.store(norms, f64x2.sqrt(s2), 32);
      v128.store(norms, f64x2.sqrt(s3), 48);
      const counts = dominantCounts + (pair << 2);
      store<u32>(counts, load<u32>(counts) + 8);
      countLabels(labelCounts + (kC << 2), L + x, labels, 0xff, -1);
      continue;
    }
    const inSuperpixel = 0xff & ~lanesOf(K0, K1, 0);
    const finiteBits = pairBits(f64x2.lt(s0, infinity), f64x2.lt(s1, infinity), f64x2.lt(s2, infinity), f64x2.lt(s3, infinity));
    if (validLabels && (inSuperpixel & ~finiteBits) == 0) {
      // Valid, but several superpixels or classes (or zero vectors, or pixels outside superpixels).
      mixedGroup(params, C, x, K0, K1, arg0, arg1, s0, s1, s2, s3, inSuperpixel);
      continue;
    }
    // An invalid label or a non-finite soft label in a superpixel: pixel by pixel, which reports the first.
    v128.store(scratch, arg0);
    v128.store(scratch, arg1, 16);
    v128.store(scratch, s0, 32);
    v128.store(scratch, s1, 48);
    v128.store(scratch, s2, 64);
    v128.store(scratch, s3, 80);
    for (let j: usize = 0; j < 8; j++) {
      const error = firstPassPixel(params, C, x + j, load<i32>(scratch + (j << 2)), load<f64>(scratch + 32 + (j << 3)));
      if (error != OK) return error;
    }
  }
  for (let x = groups; x < hw; x++) {
    let p = P + (x << 2);
    let best = load<f32>(p);
    let a = 0;
    let sumSq: f64 = 0;
    for (let c = 0; c < C; c++, p += plane) {
      const value = load<f32>(p);
      sumSq += <f64>value * <f64>value;
      if (value > best) {
        best = value;
        a = c;
      }
    }
    const error = firstPassPixel(params, C, x, a, sumSq);
    if (error != OK) return error;
  }
  return OK;
}

/**
 * Pass 1 for a group of eight valid pixels that is not one (superpixel, class) pair of non-zero
 * vectors: what firstPassPixel does for each, with the class sums of each pair present added as a
 * vector. The lanes of a pair are added one after the other in lane order, the others add +0 (row
 * sums start at +0, so they are never -0 and adding +0 leaves their bits unchanged); zero vectors
 * and pixels outside superpixels add nothing. The caller checked the labels and that the squared
 * norm of every lane in a superpixel is finite.
 */
function mixedGroup(params: usize, C: i32, x: usize, K0: v128, K1: v128, arg0: v128, arg1: v128, s0: v128, s1: v128, s2: v128, s3: v128, inSuperpixel: i32): void {
  const K = slot(params, INDEX);
  const L = slot(params, LABELS);
  const A = slot(params, ARGMAX);
  const N = slot(params, NORM);
  const dominantCounts = slot(params, DOMINANT_COUNTS);
  const labelCounts = slot(params, LABEL_COUNTS);
  const rowCounts = slot(params, ROW_COUNTS);
  const rowSums = slot(params, ROW_SUMS);
  const plane = <usize>slot(params, PIXELS) << 2;
  const CE = <usize>((C + 1) & ~1);
  const zero = f64x2.splat(0);
  // Lanes outside superpixels get an argmax and a norm too; nothing reads them there.
  v128.store64_lane(A + x, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(arg0, arg1), arg0), 0);
  const norms = N + (x << 3);
  v128.store(norms, f64x2.sqrt(s0));
  v128.store(norms, f64x2.sqrt(s1), 16);
  v128.store(norms, f64x2.sqrt(s2), 32);
  v128.store(norms, f64x2.sqrt(s3), 48);
  let lanes = inSuperpixel;
  while (lanes != 0) {
    const j = <usize>ctz(lanes);
    lanes &= lanes - 1;
    const k = <usize>load<i32>(K + ((x + j) << 2));
    const counts = dominantCounts + ((k * <usize>C + <usize>load<u8>(A + x + j)) << 2);
    store<u32>(counts, load<u32>(counts) + 1);
    const label = <usize>load<u8>(L + x + j);
    if (label != IGNORE) {
      const labelCount = labelCounts + ((k * <usize>C + label) << 2);
      store<u32>(labelCount, load<u32>(labelCount) + 1);
    }
  }
  // Each (superpixel, class) pair of the non-zero vectors in turn, with the lanes of its pixels.
  let pending = inSuperpixel & pairBits(f64x2.gt(s0, zero), f64x2.gt(s1, zero), f64x2.gt(s2, zero), f64x2.gt(s3, zero));
  const argmax = v128.load64_zero(A + x);
  while (pending != 0) {
    const j = <usize>ctz(pending);
    const k = load<i32>(K + ((x + j) << 2));
    const a = load<u8>(A + x + j);
    const pairLanes = lanesOf(K0, K1, k) & i8x16.bitmask(i8x16.eq(argmax, i8x16.splat(<i8>a))) & pending;
    pending &= ~pairLanes;
    const row = rowOf(params, <usize>k * <usize>C + <usize>a, CE);
    const rowCount = rowCounts + (row << 2);
    store<u32>(rowCount, load<u32>(rowCount) + <u32>popcnt(pairLanes));
    const mask = laneBytes(pairLanes);
    const m0 = i8x16.shuffle(mask, mask, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const m1 = i8x16.shuffle(mask, mask, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const m2 = i8x16.shuffle(mask, mask, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5);
    const m3 = i8x16.shuffle(mask, mask, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7);
    let q = slot(params, SOFT_LABELS) + (x << 2);
    let sums = rowSums + row * CE * 8;
    let c = 0;
    for (; c + 1 < C; c += 2, q += plane << 1, sums += 16) {
      const qw = q + plane;
      let sum = v128.load(sums);
      let v = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(q)), m0);
      let w = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(qw)), m0);
      sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v, w, 0, 2)), f64x2.shuffle(v, w, 1, 3));
      v = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(q, 8)), m1);
      w = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(qw, 8)), m1);
      sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v, w, 0, 2)), f64x2.shuffle(v, w, 1, 3));
      v = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(q, 16)), m2);
      w = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(qw, 16)), m2);
      sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v, w, 0, 2)), f64x2.shuffle(v, w, 1, 3));
      v = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(q, 24)), m3);
      w = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(qw, 24)), m3);
      sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v, w, 0, 2)), f64x2.shuffle(v, w, 1, 3));
      v128.store(sums, sum);
    }
    if (c < C) {
      // Last class of an odd C: its lane pairs with a zero.
      let sum = v128.load(sums);
      let v = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(q)), m0);
      sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v, zero, 0, 2)), f64x2.shuffle(v, zero, 1, 3));
      v = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(q, 8)), m1);
      sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v, zero, 0, 2)), f64x2.shuffle(v, zero, 1, 3));
      v = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(q, 16)), m2);
      sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v, zero, 0, 2)), f64x2.shuffle(v, zero, 1, 3));
      v = v128.and(f64x2.promote_low_f32x4(v128.load64_zero(q, 24)), m3);
      sum = f64x2.add(f64x2.add(sum, f64x2.shuffle(v, zero, 0, 2)), f64x2.shuffle(v, zero, 1, 3));
      v128.store(sums, sum);
    }
  }
}

/** d per superpixel (ties: smallest class), and v := m, the mean of P over D, with |m|. */
function dominantMeans(params: usize, C: i32, n: i32): void {
  const dominantCounts = slot(params, DOMINANT_COUNTS);
  const pairRow = slot(params, PAIR_ROW);
  const rowCounts = slot(params, ROW_COUNTS);
  const rowSums = slot(params, ROW_SUMS);
  const dominant = slot(params, DOMINANT);
  const vectors = slot(params, VECTORS);
  const vectorNorms = slot(params, VECTOR_NORMS);
  const CE = <usize>((C + 1) & ~1);
  for (let k: usize = 1; k <= <usize>n; k++) {
    const base = k * <usize>C;
    let d: usize = 0;
    let most = load<u32>(dominantCounts + (base << 2));
    for (let c: usize = 1; c < <usize>C; c++) {
      const count = load<u32>(dominantCounts + ((base + c) << 2));
      if (count > most) {
        most = count;
        d = c;
      }
    }
    store<i32>(dominant + (k << 2), <i32>d);
    store<f64>(vectorNorms + (k << 3), 0);
    const row = load<i32>(pairRow + ((base + d) << 2));
    if (row < 0) continue;
    const count = <f64>load<u32>(rowCounts + (<usize>row << 2));
    const sums = rowSums + <usize>row * CE * 8;
    let sumSq: f64 = 0;
    for (let c: usize = 0; c < <usize>C; c++) {
      const mean = load<f64>(sums + (c << 3)) / count;
      store<f64>(vectors + ((base + c) << 3), mean);
      sumSq += mean * mean;
    }
    store<f64>(vectorNorms + (k << 3), Math.sqrt(sumSq));
  }
}

/**
 * cos(P(x), v) of the eight pixels at x into `out` (8 x f64): dot products over classes in order
 * from +0, divided by |P(x)| |v|. Lanes with a zero |P(x)| get NaN; callers skip them.
 */
@inline function groupCosines(P: usize, plane: usize, C: i32, x: usize, v: usize, vectorNorm: f64, N: usize, out: usize): void {
  let q = P + (x << 2);
  let d0 = f64x2.splat(0);
  let d1 = d0;
  let d2 = d0;
  let d3 = d0;
  // Two classes per iteration (added in class order), to halve the loop overhead.
  let c = 0;
  for (; c + 1 < C; c += 2, q += plane << 1, v += 16) {
    let w = v128.load64_splat(v);
    d0 = f64x2.add(d0, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q)), w));
    d1 = f64x2.add(d1, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q, 8)), w));
    d2 = f64x2.add(d2, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q, 16)), w));
    d3 = f64x2.add(d3, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q, 24)), w));
    w = v128.load64_splat(v, 8);
    const q1 = q + plane;
    d0 = f64x2.add(d0, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q1)), w));
    d1 = f64x2.add(d1, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q1, 8)), w));
    d2 = f64x2.add(d2, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q1, 16)), w));
    d3 = f64x2.add(d3, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q1, 24)), w));
  }
  if (c < C) {
    const w = v128.load64_splat(v);
    const a = v128.load(q);
    const b = v128.load(q, 16);
    d0 = f64x2.add(d0, f64x2.mul(f64x2.promote_low_f32x4(a), w));
    d1 = f64x2.add(d1, f64x2.mul(promoteHigh(a), w));
    d2 = f64x2.add(d2, f64x2.mul(f64x2.promote_low_f32x4(b), w));
    d3 = f64x2.add(d3, f64x2.mul(promoteHigh(b), w));
  }
  const norms = N + (x << 3);
  const vn = f64x2.splat(vectorNorm);
  v128.store(out, f64x2.div(d0, f64x2.mul(v128.load(norms), vn)));
  v128.store(out, f64x2.div(d1, f64x2.mul(v128.load(norms, 16), vn)), 16);
  v128.store(out, f64x2.div(d2, f64x2.mul(v128.load(norms, 32), vn)), 32);
  v128.store(out, f64x2.div(d3, f64x2.mul(v128.load(norms, 48), vn)), 48);
}

/** cos(P(px), v) for one pixel, with the arithmetic of a lane of groupCosines. */
@inline function pixelCosine(P: usize, plane: usize, C: i32, px: usize, v: usize, vectorNorm: f64, pixelNorm: f64): f64 {
  let q = P + (px << 2);
  let dot: f64 = 0;
  for (let c = 0; c < C; c++, q += plane, v += 8) dot += <f64>load<f32>(q) * load<f64>(v);
  return dot / (pixelNorm * vectorNorm);
}

/** Bits (lane j = bit j) of the lanes of a group whose compact superpixel index (K0, K1) is k. */
@inline function lanesOf(K0: v128, K1: v128, k: i32): i32 {
  const kv = i32x4.splat(k);
  return i32x4.bitmask(i32x4.eq(K0, kv)) | (i32x4.bitmask(i32x4.eq(K1, kv)) << 4);
}

/** 0xff in bytes 0..7 of the lanes whose bit is set, 0 in the others (bytes 8..15: 0xff). */
@inline function laneBytes(lanes: i32): v128 {
  const bits = v128(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
  return i8x16.eq(v128.and(i8x16.splat(<i8>lanes), bits), bits);
}

/** Bits of the lanes whose float64 pairs (p0..p3: lanes 0-1, ..., 6-7) are all-ones masks. */
@inline function pairBits(p0: v128, p1: v128, p2: v128, p3: v128): i32 {
  return i64x2.bitmask(p0) | (i64x2.bitmask(p1) << 2) | (i64x2.bitmask(p2) << 4) | (i64x2.bitmask(p3) << 6);
}

/** Best-so-far update over the cosines of the lanes in `lanes`, taken in lane order. */
@inline function updateBestOfLanes(bestAt: usize, repAt: usize, cosines: usize, x: usize, lanes: i32): void {
  if (lanes == 0xff) {
    updateBest(bestAt, repAt, cosines, x);
    return;
  }
  let best = load<f64>(bestAt);
  let rep = load<i32>(repAt);
  while (lanes != 0) {
    const j = <usize>ctz(lanes);
    lanes &= lanes - 1;
    const cos = load<f64>(cosines + (j << 3));
    if (cos > best) {
      best = cos;
      rep = <i32>(x + j);
    }
  }
  store<f64>(bestAt, best);
  store<i32>(repAt, rep);
}

/**
 * Best-so-far update over the eight `cosines`, all candidates: the same outcome as
 * comparing them one by one (strictly greater wins, so the first of equal maxima is kept).
 */
@inline function updateBest(bestAt: usize, repAt: usize, cosines: usize, x: usize): void {
  const top = f64x2.pmax(
    f64x2.pmax(v128.load(cosines), v128.load(cosines, 16)),
    f64x2.pmax(v128.load(cosines, 32), v128.load(cosines, 48)),
  );
  const most = max(f64x2.extract_lane(top, 0), f64x2.extract_lane(top, 1));
  if (!(most > load<f64>(bestAt))) return;
  let j: usize = 0;
  while (load<f64>(cosines + (j << 3)) != most) j++;
  store<f64>(bestAt, most);
  store<i32>(repAt, <i32>(x + j));
}

/** Adds the two lanes of `v` to `sum`, lane 0 first. */
@inline function addLanes(sum: f64, v: v128): f64 {
  return sum + f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * Whether no pixel of the group at x can have an (exact, float64) cosine to v above `best`, by a
 * float32 pre-test: one float32 multiply-add per value instead of the float64 dot product. Lanes
 * that count are those of `candidates` (bytes 0xff) with a non-zero |P(x)|.
 *
 * Why it is safe: with u = 2^-24, the float32 dot product of P(x) and v rounded to float32 differs
 * from the exact one by at most (C + 2) u (1 + 1%) sum_c |P_c(x)| |v_c| (rounding of v, of each
 * product, and a sum of C terms in any order, here even and odd classes apart), and sum_c |P_c| |v_c| <= |P(x)| |v| (Cauchy-Schwarz); values
 * below float32's normal range add at most 2^-150 each (v's components, the products), in all at
 * most (C + 16 |P(x)|) 2^-150, below 1e-13 |P(x)| |v| as the caller ensures |v| >= 1e-30 and the
 * test below |P(x)| |v| >= 1e-20. The float64 cosine, and the float64 norms and products of the
 * test, are within 2^-39 of the exact values relative to |P(x)| |v|. So with `margin` =
 * (C + 2) u 1.05 + 2^-30, a lane whose float32 dot product is below (best - margin) |P(x)| |v| has
 * a float64 cosine below `best` and cannot replace the representative (only a strictly greater
 * cosine does). Lanes with |P(x)| |v| outside [1e-20, 1e37] (where float32 could underflow or
 * overflow) always count as possible winners.
 */
@inline function groupCannotBeat(P: usize, plane: usize, C: i32, x: usize, v32: usize, vectorNorm: f64, N: usize, best: f64, margin: f64, candidates: v128): bool {
  let q = P + (x << 2);
  let d0 = f32x4.splat(0);
  let d1 = d0;
  // Even and odd classes in separate sums, added at the end: half as many dependent additions in
  // a row. The error bound above holds for any order of the sum.
  let o0 = d0;
  let o1 = d0;
  let c = 0;
  for (; c + 1 < C; c += 2, q += plane << 1, v32 += 8) {
    const w = v128.load32_splat(v32);
    d0 = f32x4.add(d0, f32x4.mul(v128.load(q), w));
    d1 = f32x4.add(d1, f32x4.mul(v128.load(q, 16), w));
    const w1 = v128.load32_splat(v32, 4);
    o0 = f32x4.add(o0, f32x4.mul(v128.load(q + plane), w1));
    o1 = f32x4.add(o1, f32x4.mul(v128.load(q + plane, 16), w1));
  }
  if (c < C) {
    const w = v128.load32_splat(v32);
    d0 = f32x4.add(d0, f32x4.mul(v128.load(q), w));
    d1 = f32x4.add(d1, f32x4.mul(v128.load(q, 16), w));
  }
  d0 = f32x4.add(d0, o0);
  d1 = f32x4.add(d1, o1);
  const threshold = f64x2.splat((best - margin) * vectorNorm);
  const vn = f64x2.splat(vectorNorm);
  const norms = N + (x << 3);
  const all = i64x2.splat(-1);
  let ok = all;
  ok = v128.and(ok, laneCannotBeat(f64x2.promote_low_f32x4(d0), v128.load(norms), vn, threshold, i8x16.shuffle(candidates, candidates, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)));
  ok = v128.and(ok, laneCannotBeat(promoteHigh(d0), v128.load(norms, 16), vn, threshold, i8x16.shuffle(candidates, candidates, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)));
  ok = v128.and(ok, laneCannotBeat(f64x2.promote_low_f32x4(d1), v128.load(norms, 32), vn, threshold, i8x16.shuffle(candidates, candidates, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5)));
  ok = v128.and(ok, laneCannotBeat(promoteHigh(d1), v128.load(norms, 48), vn, threshold, i8x16.shuffle(candidates, candidates, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7)));
  return i64x2.all_true(ok);
}

/** Per lane (f64x2): not a candidate, or a zero vector, or provably below the threshold (groupCannotBeat). */
@inline function laneCannotBeat(dot: v128, norm: v128, vn: v128, threshold: v128, candidate: v128): v128 {
  const scale = f64x2.mul(norm, vn);
  const inWindow = v128.and(f64x2.ge(scale, f64x2.splat(1e-20)), f64x2.le(scale, f64x2.splat(1e37)));
  const below = v128.and(inWindow, f64x2.lt(dot, f64x2.mul(threshold, norm)));
  const counts = v128.and(candidate, f64x2.gt(norm, f64x2.splat(0)));
  return v128.or(v128.not(counts), below);
}

/** ALC pass 2 over P: r = pixel of D with the highest cos(P(x), m), first in row-major order on ties. */
function representativePass(params: usize, C: i32, n: i32): void {
  const hw = <usize>slot(params, PIXELS);
  const P = slot(params, SOFT_LABELS);
  const K = slot(params, INDEX);
  const A = slot(params, ARGMAX);
  const N = slot(params, NORM);
  const dominant = slot(params, DOMINANT);
  const vectors = slot(params, VECTORS);
  const vectorNorms = slot(params, VECTOR_NORMS);
  const bestCos = slot(params, BEST_COS);
  const representative = slot(params, REPRESENTATIVE);
  const vectors32 = slot(params, VECTORS32);
  const cosines = slot(params, SCRATCH) + SCRATCH_COSINES;
  const plane = hw << 2;
  const groups = hw & ~(<usize>7);
  const cells = <usize>(n + 1) * <usize>C;
  for (let i: usize = 0; i < cells; i++) store<f32>(vectors32 + (i << 2), <f32>load<f64>(vectors + (i << 3)));
  const margin = <f64>(C + 2) * 5.9604644775390625e-8 * 1.05 + 9.313225746154785e-10; // (C + 2) 2^-24 1.05 + 2^-30
  const zero = f64x2.splat(0);
  for (let x: usize = 0; x < groups; x += 8) {
    // Each superpixel of the group in turn, with the lanes of its pixels.
    const K0 = v128.load(K + (x << 2));
    const K1 = v128.load(K + (x << 2), 16);
    let pending = 0xff & ~lanesOf(K0, K1, 0);
    if (pending == 0) continue;
    const argmax = v128.load64_zero(A + x);
    const norms = N + (x << 3);
    const nonZero = pairBits(f64x2.gt(v128.load(norms), zero), f64x2.gt(v128.load(norms, 16), zero), f64x2.gt(v128.load(norms, 32), zero), f64x2.gt(v128.load(norms, 48), zero));
    while (pending != 0) {
      const k = <usize>load<i32>(K + ((x + <usize>ctz(pending)) << 2));
      const lanes = lanesOf(K0, K1, <i32>k);
      pending &= ~lanes;
      const vectorNorm = load<f64>(vectorNorms + (k << 3));
      const inD = i8x16.bitmask(i8x16.eq(argmax, i8x16.splat(<i8>load<i32>(dominant + (k << 2))))) & lanes;
      if (vectorNorm == 0 || (inD & nonZero) == 0) continue;
      if (vectorNorm >= 1e-30 && groupCannotBeat(P, plane, C, x, vectors32 + ((k * <usize>C) << 2), vectorNorm, N, load<f64>(bestCos + (k << 3)), margin, laneBytes(inD))) continue;
      groupCosines(P, plane, C, x, vectors + ((k * <usize>C) << 3), vectorNorm, N, cosines);
      updateBestOfLanes(bestCos + (k << 3), representative + (k << 2), cosines, x, inD & nonZero);
    }
  }
  for (let px = groups; px < hw; px++) {
    const k = <usize>load<i32>(K + (px << 2));
    if (k == 0 || <i32>load<u8>(A + px) != load<i32>(dominant + (k << 2))) continue;
    const vectorNorm = load<f64>(vectorNorms + (k << 3));
    const pixelNorm = load<f64>(N + (px << 3));
    if (vectorNorm == 0 || pixelNorm == 0) continue;
    const cos = pixelCosine(P, plane, C, px, vectors + ((k * <usize>C) << 3), vectorNorm, pixelNorm);
    if (cos > load<f64>(bestCos + (k << 3))) {
      store<f64>(bestCos + (k << 3), cos);
      store<i32>(representative + (k << 2), <i32>px);
    }
  }
}

/** ALC: v := P(r). Superpixels without r keep a zero norm, which excludes them from E. */
function useRepresentativeVectors(params: usize, C: i32, n: i32): void {
  const plane = <usize>slot(params, PIXELS) << 2;
  const P = slot(params, SOFT_LABELS);
  const N = slot(params, NORM);
  const representative = slot(params, REPRESENTATIVE);
  const vectors = slot(params, VECTORS);
  const vectorNorms = slot(params, VECTOR_NORMS);
  for (let k: usize = 1; k <= <usize>n; k++) {
    const r = load<i32>(representative + (k << 2));
    if (r < 0) {
      store<f64>(vectorNorms + (k << 3), 0);
      continue;
    }
    let p = P + (<usize>r << 2);
    let v = vectors + ((k * <usize>C) << 3);
    for (let c = 0; c < C; c++, p += plane, v += 8) store<f64>(v, <f64>load<f32>(p));
    store<f64>(vectorNorms + (k << 3), load<f64>(N + (<usize>r << 3)));
  }
}

/**
 * Adds to `counts[label]` the labels of the eight pixels at `L8` (`labels` holds them) whose bit is
 * set in `lanes`; 255 goes to `counts[ignoreAt]`, or nowhere when `ignoreAt` is negative. The label
 * of the first lane is counted at once for all its lanes; the others (neighbouring pixels mostly
 * share a label) one lane at a time.
 */
@inline function countLabels(counts: usize, L8: usize, labels: v128, lanes: i32, ignoreAt: i32): void {
  if (lanes == 0) return;
  const first = <i32>load<u8>(L8 + <usize>ctz(lanes));
  const same = i8x16.bitmask(i8x16.eq(labels, i8x16.splat(<i8>first))) & lanes;
  const firstAt = first == IGNORE ? ignoreAt : first;
  if (firstAt >= 0) store<u32>(counts + (<usize>firstAt << 2), load<u32>(counts + (<usize>firstAt << 2)) + <u32>popcnt(same));
  let others = lanes & ~same;
  while (others != 0) {
    const label = <i32>load<u8>(L8 + <usize>ctz(others));
    others &= others - 1;
    const at = label == IGNORE ? ignoreAt : label;
    if (at >= 0) store<u32>(counts + (<usize>at << 2), load<u32>(counts + (<usize>at << 2)) + 1);
  }
}

/** A2LC: one vote of a pixel of D for its label (255 counted apart, as class C). */
@inline function voteLabel(dominantLabelCounts: usize, k: usize, C: i32, label: i32): void {
  const at = dominantLabelCounts + ((k * <usize>(C + 1) + <usize>(label == IGNORE ? C : label)) << 2);
  store<u32>(at, load<u32>(at) + 1);
}

/**
 * Last pass over P: E = pixels of R with cos(P(x), v) >= tau, and the sums behind cil, sim and abc.
 * In A2LC mode (v = m) the same cosines also give r, and the label votes over D give q.
 */
function expansionPass(params: usize, C: i32, a2lc: bool): void {
  const hw = <usize>slot(params, PIXELS);
  const P = slot(params, SOFT_LABELS);
  const L = slot(params, LABELS);
  const K = slot(params, INDEX);
  const A = slot(params, ARGMAX);
  const N = slot(params, NORM);
  const X = slot(params, EXPANSION_OUT);
  const dominant = slot(params, DOMINANT);
  const dominantLabelCounts = slot(params, DOMINANT_LABEL_COUNTS);
  const vectors = slot(params, VECTORS);
  const vectorNorms = slot(params, VECTOR_NORMS);
  const bestCos = slot(params, BEST_COS);
  const representative = slot(params, REPRESENTATIVE);
  const expansionCount = slot(params, EXPANSION_COUNT);
  const errorSum = slot(params, ERROR_SUM);
  const simSum = slot(params, SIM_SUM);
  const classTerms = slot(params, CLASS_TERMS);
  const scratch = slot(params, SCRATCH);
  const cosines = scratch + SCRATCH_COSINES;
  const tau = load<f64>(params + (TAU << 2));
  const tauV = f64x2.splat(tau);
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const plane = hw << 2;
  const groups = hw & ~(<usize>7);
  const block = scratch + SCRATCH_BLOCK;
  for (let x0: usize = 0; x0 < groups; x0 += BLOCK) {
    const x1 = x0 + BLOCK < groups ? x0 + BLOCK : groups;
    // The cosines of a block of pixels first, each lane to its superpixel's v: the float64 dot
    // products run back to back, and the dependent steps below overlap from group to group.
    for (let x = x0; x < x1; x += 8) {
      const K0 = v128.load(K + (x << 2));
      const K1 = v128.load(K + (x << 2), 16);
      let pending = 0xff & ~lanesOf(K0, K1, 0);
      const out = block + ((x - x0) << 3);
      while (pending != 0) {
        const k = <usize>load<i32>(K + ((x + <usize>ctz(pending)) << 2));
        const lanes = lanesOf(K0, K1, <i32>k);
        pending &= ~lanes;
        const vectorNorm = load<f64>(vectorNorms + (k << 3));
        if (vectorNorm == 0) continue;
        if (lanes == 0xff) {
          groupCosines(P, plane, C, x, vectors + ((k * <usize>C) << 3), vectorNorm, N, out);
          continue;
        }
        groupCosines(P, plane, C, x, vectors + ((k * <usize>C) << 3), vectorNorm, N, cosines);
        const mask = laneBytes(lanes);
        v128.store(out, v128.bitselect(v128.load(cosines), v128.load(out), i8x16.shuffle(mask, mask, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)));
        v128.store(out, v128.bitselect(v128.load(cosines, 16), v128.load(out, 16), i8x16.shuffle(mask, mask, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)), 16);
        v128.store(out, v128.bitselect(v128.load(cosines, 32), v128.load(out, 32), i8x16.shuffle(mask, mask, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5)), 32);
        v128.store(out, v128.bitselect(v128.load(cosines, 48), v128.load(out, 48), i8x16.shuffle(mask, mask, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7)), 48);
      }
    }
    for (let x = x0; x < x1; x += 8) {
    // Each superpixel of the group in turn, with the lanes of its pixels.
    const K0 = v128.load(K + (x << 2));
    const K1 = v128.load(K + (x << 2), 16);
    let pending = 0xff & ~lanesOf(K0, K1, 0);
    if (pending == 0) continue;
    const groupCos = block + ((x - x0) << 3);
    const argmax = v128.load64_zero(A + x);
    const labels = v128.load64_zero(L + x);
    const norms = N + (x << 3);
    const n0 = v128.load(norms);
    const n1 = v128.load(norms, 16);
    const n2 = v128.load(norms, 32);
    const n3 = v128.load(norms, 48);
    const nonZero = pairBits(f64x2.gt(n0, zero), f64x2.gt(n1, zero), f64x2.gt(n2, zero), f64x2.gt(n3, zero));
    while (pending != 0) {
      const k = <usize>load<i32>(K + ((x + <usize>ctz(pending)) << 2));
      const lanes = lanesOf(K0, K1, <i32>k);
      pending &= ~lanes;
      const inD = i8x16.bitmask(i8x16.eq(argmax, i8x16.splat(<i8>load<i32>(dominant + (k << 2))))) & lanes;
      if (a2lc) countLabels(dominantLabelCounts + ((k * <usize>(C + 1)) << 2), L + x, labels, inD, C);
      if (load<f64>(vectorNorms + (k << 3)) == 0) continue;
      // A2LC: r among the pixels of D (v = m, so these are the cosines of ALC's second pass).
      if (a2lc && (inD & nonZero) != 0) updateBestOfLanes(bestCos + (k << 3), representative + (k << 2), groupCos, x, inD & nonZero);
      const c0 = v128.load(groupCos);
      const c1 = v128.load(groupCos, 16);
      const c2 = v128.load(groupCos, 32);
      const c3 = v128.load(groupCos, 48);
      const inE = pairBits(f64x2.ge(c0, tauV), f64x2.ge(c1, tauV), f64x2.ge(c2, tauV), f64x2.ge(c3, tauV)) & nonZero & lanes;
      if (inE == 0) continue;
      // The pixels of E: lanes outside it add +0 to every sum (these sums start at +0, so they are
      // never -0 and adding +0 leaves them unchanged). u(x) of the first pixel of E is usually
      // that of all of them; the others are taken one by one.
      const mask = laneBytes(inE);
      const u = v128.and(v128.bitselect(argmax, labels, i8x16.eq(labels, i8x16.splat(<i8>IGNORE))), mask);
      const j0 = <usize>ctz(inE);
      const l0 = <i32>load<u8>(L + x + j0);
      const first = l0 == IGNORE ? <i32>load<u8>(A + x + j0) : l0;
      const same = i8x16.bitmask(i8x16.eq(u, i8x16.splat(<i8>first))) & inE;
      const others = inE & ~same;
      const pixels = P + (x << 2);
      let g0: v128, g1: v128;
      if (others == 0) {
        g0 = v128.load(pixels + <usize>first * plane);
        g1 = v128.load(pixels + <usize>first * plane, 16);
      } else {
        g0 = v128.load32_zero(pixels + <usize>i8x16.extract_lane_u(u, 0) * plane);
        g0 = v128.load32_lane(pixels + <usize>i8x16.extract_lane_u(u, 1) * plane, g0, 1, 4);
        g0 = v128.load32_lane(pixels + <usize>i8x16.extract_lane_u(u, 2) * plane, g0, 2, 8);
        g0 = v128.load32_lane(pixels + <usize>i8x16.extract_lane_u(u, 3) * plane, g0, 3, 12);
        g1 = v128.load32_zero(pixels + <usize>i8x16.extract_lane_u(u, 4) * plane, 16);
        g1 = v128.load32_lane(pixels + <usize>i8x16.extract_lane_u(u, 5) * plane, g1, 1, 20);
        g1 = v128.load32_lane(pixels + <usize>i8x16.extract_lane_u(u, 6) * plane, g1, 2, 24);
        g1 = v128.load32_lane(pixels + <usize>i8x16.extract_lane_u(u, 7) * plane, g1, 3, 28);
      }
      const m0 = i8x16.shuffle(mask, mask, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
      const m1 = i8x16.shuffle(mask, mask, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
      const m2 = i8x16.shuffle(mask, mask, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5);
      const m3 = i8x16.shuffle(mask, mask, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7);
      const e0 = v128.and(f64x2.sub(one, f64x2.promote_low_f32x4(g0)), m0);
      const e1 = v128.and(f64x2.sub(one, promoteHigh(g0)), m1);
      const e2 = v128.and(f64x2.sub(one, f64x2.promote_low_f32x4(g1)), m2);
      const e3 = v128.and(f64x2.sub(one, promoteHigh(g1)), m3);
      const w0 = v128.and(f64x2.mul(c0, e0), m0);
      const w1 = v128.and(f64x2.mul(c1, e1), m1);
      const w2 = v128.and(f64x2.mul(c2, e2), m2);
      const w3 = v128.and(f64x2.mul(c3, e3), m3);
      const errorsAt = errorSum + (k << 3);
      store<f64>(errorsAt, addLanes(addLanes(addLanes(addLanes(load<f64>(errorsAt), e0), e1), e2), e3));
      const simAt = simSum + (k << 3);
      store<f64>(simAt, addLanes(addLanes(addLanes(addLanes(load<f64>(simAt), w0), w1), w2), w3));
      const terms = classTerms + ((k * <usize>C) << 3);
      const termAt = terms + (<usize>first << 3);
      if (others == 0) {
        store<f64>(termAt, addLanes(addLanes(addLanes(addLanes(load<f64>(termAt), w0), w1), w2), w3));
      } else {
        const sameMask = laneBytes(same);
        let term = load<f64>(termAt);
        term = addLanes(term, v128.and(w0, i8x16.shuffle(sameMask, sameMask, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)));
        term = addLanes(term, v128.and(w1, i8x16.shuffle(sameMask, sameMask, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)));
        term = addLanes(term, v128.and(w2, i8x16.shuffle(sameMask, sameMask, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5)));
        term = addLanes(term, v128.and(w3, i8x16.shuffle(sameMask, sameMask, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7)));
        store<f64>(termAt, term);
        // The other pixels of E, each to its class's term, in lane order.
        const weighted = scratch + SCRATCH_WEIGHTED;
        v128.store(weighted, w0);
        v128.store(weighted, w1, 16);
        v128.store(weighted, w2, 32);
        v128.store(weighted, w3, 48);
        let rest = others;
        while (rest != 0) {
          const j = <usize>ctz(rest);
          rest &= rest - 1;
          const label = <i32>load<u8>(L + x + j);
          const at = terms + (<usize>(label == IGNORE ? <i32>load<u8>(A + x + j) : label) << 3);
          store<f64>(at, load<f64>(at) + load<f64>(weighted + (j << 3)));
        }
      }
      store<u32>(expansionCount + (k << 2), load<u32>(expansionCount + (k << 2)) + <u32>popcnt(inE));
      if (X != 0) {
        const index = i32x4.splat(<i32>k - 1);
        const at = X + (x << 2);
        v128.store(at, v128.bitselect(index, v128.load(at), i8x16.shuffle(mask, mask, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3)));
        v128.store(at, v128.bitselect(index, v128.load(at, 16), i8x16.shuffle(mask, mask, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7)), 16);
      }
    }
    }
  }
  for (let px = groups; px < hw; px++) {
    const k = <usize>load<i32>(K + (px << 2));
    if (k == 0) continue;
    const a = <i32>load<u8>(A + px);
    const label = <i32>load<u8>(L + px);
    const inD = a == load<i32>(dominant + (k << 2));
    if (a2lc && inD) voteLabel(dominantLabelCounts, k, C, label);
    const vectorNorm = load<f64>(vectorNorms + (k << 3));
    const pixelNorm = load<f64>(N + (px << 3));
    if (vectorNorm == 0 || pixelNorm == 0) continue;
    const cos = pixelCosine(P, plane, C, px, vectors + ((k * <usize>C) << 3), vectorNorm, pixelNorm);
    if (a2lc && inD && cos > load<f64>(bestCos + (k << 3))) {
      store<f64>(bestCos + (k << 3), cos);
      store<i32>(representative + (k << 2), <i32>px);
    }
    if (cos >= tau) {
      const u = label == IGNORE ? a : label;
      const e = 1 - <f64>load<f32>(P + <usize>u * plane + (px << 2));
      const weighted = cos * e;
      const count = expansionCount + (k << 2);
      store<u32>(count, load<u32>(count) + 1);
      store<f64>(errorSum + (k << 3), load<f64>(errorSum + (k << 3)) + e);
      store<f64>(simSum + (k << 3), load<f64>(simSum + (k << 3)) + weighted);
      const term = classTerms + ((k * <usize>C + <usize>u) << 3);
      store<f64>(term, load<f64>(term) + weighted);
      if (X != 0) store<i32>(X + (px << 2), <i32>k - 1);
    }
  }
}

/** Per superpixel i = k - 1: |R|, d, q and the scores (NaN where E is empty). */
function collect(params: usize, C: i32, n: i32, a2lc: bool): void {
  const plane = <usize>slot(params, PIXELS) << 2;
  const P = slot(params, SOFT_LABELS);
  const L = slot(params, LABELS);
  const A = slot(params, ARGMAX);
  const dominantCounts = slot(params, DOMINANT_COUNTS);
  const dominantLabelCounts = slot(params, DOMINANT_LABEL_COUNTS);
  const dominant = slot(params, DOMINANT);
  const representative = slot(params, REPRESENTATIVE);
  const expansionCount = slot(params, EXPANSION_COUNT);
  const errorSum = slot(params, ERROR_SUM);
  const simSum = slot(params, SIM_SUM);
  const outPixels = slot(params, OUT_PIXELS);
  const outLabel = slot(params, OUT_LABEL);
  const outDominant = slot(params, OUT_DOMINANT);
  const outPixelScore = slot(params, OUT_PIXEL_SCORE);
  const outCil = slot(params, OUT_CIL);
  const outSim = slot(params, OUT_SIM);
  for (let i: usize = 0; i < <usize>n; i++) {
    const k = i + 1;
    let pixels: u32 = 0;
    for (let c: usize = 0; c < <usize>C; c++) pixels += load<u32>(dominantCounts + ((k * <usize>C + c) << 2));
    store<u32>(outPixels + (i << 2), pixels);
    const d = load<i32>(dominant + (k << 2));
    store<u8>(outDominant + i, <u8>d);
    const r = load<i32>(representative + (k << 2));
    let q = 0;
    if (r >= 0) {
      if (a2lc) {
        // Most frequent L over D (ties: smallest id, so 255, counted as class C, wins only outright), else d.
        const base = dominantLabelCounts + ((k * <usize>(C + 1)) << 2);
        let most = load<u32>(base);
        for (let c = 1; c <= C; c++) {
          const votes = load<u32>(base + (<usize>c << 2));
          if (votes > most) {
            most = votes;
            q = c;
          }
        }
        if (q == C) q = d;
      } else {
        const label = <i32>load<u8>(L + <usize>r);
        q = label == IGNORE ? <i32>load<u8>(A + <usize>r) : label;
      }
    }
    store<u8>(outLabel + i, <u8>q);
    const size = load<u32>(expansionCount + (k << 2));
    if (size == 0) {
      store<f64>(outPixelScore + (i << 3), NaN);
      store<f64>(outCil + (i << 3), NaN);
      store<f64>(outSim + (i << 3), NaN);
      continue;
    }
    store<f64>(outPixelScore + (i << 3), 1 - <f64>load<f32>(P + <usize>q * plane + (<usize>r << 2)));
    store<f64>(outCil + (i << 3), load<f64>(errorSum + (k << 3)) / <f64>size);
    store<f64>(outSim + (i << 3), load<f64>(simSum + (k << 3)));
  }
}
