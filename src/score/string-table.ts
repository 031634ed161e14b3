/**
 * An insert-only hash set of strings in typed arrays, keyed by a character range of a larger string
 * (a word or an id inside a transcript line), so looking a word up creates no string and no garbage.
 * Entries are numbered 0, 1, 2, ... in insertion order: the number serves as an interned token id
 * or as an index into the caller's own typed arrays (line numbers and the like).
 *
 * Hash: 32-bit FNV-1a over UTF-16 code units; open addressing with linear probing, load ≤ 1/2.
 * With `foldAscii`, A–Z are looked up and stored as a–z (the only case folding sclite does without
 * a localisation, and equal to Unicode lower-casing on ASCII text).
 */
/** FNV-1a 32-bit offset basis and prime. */
export const FNV_BASIS = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

export class StringTable {
  /** Number of entries. */
  size = 0;
  private slots: Int32Array; // entry + 1 per slot; 0 = empty
  private mask: number;
  private hashes = new Int32Array(1024);
  private starts = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private chars = new Uint16Array(1 << 16);
  private used = 0;

  constructor(private readonly foldAscii = false) {
    this.slots = new Int32Array(2048);
    this.mask = 2047;
  }

  /**
   * The entry number of `text.slice(start, end)` (folded as configured); when absent, inserts it
   * if `insert`, else returns -1. `created()` tells whether the last call inserted.
   */
  lookup(text: string, start: number, end: number, insert: boolean): number {
    const fold = this.foldAscii;
    let h = FNV_BASIS;
    for (let i = start; i < end; i++) {
      let c = text.charCodeAt(i);
      if (fold && c >= 65 && c <= 90) c += 32;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    return this.lookupHashed(text, start, end, h, insert);
  }

  /**
   * `lookup` with the hash already computed by the caller while it scanned the text: FNV-1a,
   * `h = Math.imul(h ^ c, FNV_PRIME)` from `FNV_BASIS` over the (folded) code units.
   */
  lookupHashed(text: string, start: number, end: number, h: number, insert: boolean): number {
    const fold = this.foldAscii;
    const len = end - start;
    const chars = this.chars;
    let s = h & this.mask;
    for (;;) {
      const e = this.slots[s]! - 1;
      if (e < 0) break;
      if (this.hashes[e] === h && this.lengths[e] === len) {
        let k = this.starts[e]!;
        let i = start;
        for (; i < end; i++, k++) {
          let c = text.charCodeAt(i);
          if (fold && c >= 65 && c <= 90) c += 32;
          if (chars[k] !== c) break;
        }
        if (i === end) {
          this.inserted = false;
          return e;
        }
      }
      s = (s + 1) & this.mask;
    }
    this.inserted = false;
    if (!insert) return -1;
    const e = this.size++;
    if (e === this.hashes.length) this.growEntries();
    if (this.used + len > this.chars.length) {
      const bigger = new Uint16Array(Math.max(this.chars.length * 2, this.used + len));
      bigger.set(this.chars.subarray(0, this.used));
      this.chars = bigger;
    }
    const out = this.chars;
    for (let i = start, k = this.used; i < end; i++, k++) {
      const c = text.charCodeAt(i);
      out[k] = fold && c >= 65 && c <= 90 ? c + 32 : c;
    }
    this.hashes[e] = h;
    this.starts[e] = this.used;
    this.lengths[e] = len;
    this.used += len;
    this.slots[s] = e + 1;
    this.inserted = true;
    if (this.size * 2 > this.slots.length) this.rehash();
    return e;
  }

  /** Whether the last `lookup` inserted a new entry. */
  created(): boolean {
    return this.inserted;
  }

  private inserted = false;

  private growEntries(): void {
    const n = this.hashes.length * 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes);
    this.starts = grow(this.starts);
    this.lengths = grow(this.lengths);
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      let s = this.hashes[e]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
