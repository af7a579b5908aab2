/**
 * Growable typed-array helpers for slot-indexed columns. The column a helper grows is given up:
 * its memory is handed to a throwaway ArrayBuffer (structuredClone with transfer: no copy), which
 * the next minor GC frees. Else an old column, long in the old generation, stayed until a full GC,
 * and the peak held the old and the new columns together (a million routes: 45 MB of a 370 MB
 * peak on the Internet-like table). The given-up array reads as empty: nobody may keep a column
 * across a growth (re-read it from its owner).
 */
function giveUp(a: Uint8Array | Int32Array | Uint32Array): void {
  // Only an array that owns its whole buffer (no other view may share it).
  if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength || a.byteLength < 65536) return;
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
}

export function grownInt32(a: Int32Array, n: number, fill = 0): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  giveUp(a);
  return b;
}

export function grownUint32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a);
  giveUp(a);
  return b;
}

export function grownUint8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(a);
  giveUp(a);
  return b;
}

/**
 * `src[start, end)` into `dst` at `at`; returns the bytes copied. Short ranges are copied by hand:
 * Buffer#copy with a source range makes a view object per call, and keys are built from a dozen
 * short ranges per UPDATE.
 */
export function copyRange(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  const n = end - start;
  if (n > 64) dst.set(src.subarray(start, end), at);
  else for (let i = 0; i < n; i++) dst[at + i] = src[start + i] as number;
  return n;
}
