import { translateBlock, type BlockFn } from './block-compiler.js';

/** Blocks kept before the whole cache is dropped and rebuilt (bounds memory). */
const MAX_BLOCKS = 1 << 17;
/** Times a block start is interpreted before it is translated. */
const HOT_THRESHOLD = 2;

/**
 * Translated blocks, found by the RAM offset of their first instruction. Per RAM page
 * that holds translated code: a table from word to block id (0 = none yet, -1 = the
 * instruction there cannot start a block), and a map of which words some block covers.
 * A store to a covered word drops the page's blocks; stores elsewhere on the page stay
 * correct because such pages never get fast store-TLB entries (see Hart.storeAligned).
 */
export class CodeCache {
  readonly pages: (Int32Array | undefined)[];
  private readonly covered: (Uint8Array | undefined)[];
  /** Per page: how often each word was reached as a block start before being translated. */
  private readonly heat: (Uint8Array | undefined)[];
  fns: BlockFn[] = [];
  lens: number[] = [];
  pcs: number[] = [];
  /** Called when a page first gets code, so the hart can drop store-TLB entries to it. */
  onNewCodePage: (page: number) => void = () => {};

  /** `logging`: translate blocks that also write instruction rows (the `full` level). */
  constructor(
    ramSize: number,
    readonly logging = false,
  ) {
    this.pages = new Array(ramSize >>> 12).fill(undefined);
    this.covered = new Array(ramSize >>> 12).fill(undefined);
    this.heat = new Array(ramSize >>> 12).fill(undefined);
    this.clear();
  }

  clear(): void {
    this.pages.fill(undefined);
    this.covered.fill(undefined);
    this.heat.fill(undefined);
    // Id 0 means "no block"; keep a placeholder there.
    this.fns = [() => 0];
    this.lens = [0];
    this.pcs = [0];
  }

  /**
   * Whether code starting at RAM offset `off` has run often enough to be worth
   * translating. Cold code (most of what a short-lived process runs) is cheaper to
   * interpret than to compile. Which engine runs an instruction never changes what it
   * does, so this heuristic cannot affect the guest.
   */
  isHot(off: number): boolean {
    const page = off >>> 12;
    let heat = this.heat[page];
    if (heat === undefined) heat = this.heat[page] = new Uint8Array(1024);
    const word = (off & 0xfff) >>> 2;
    if (heat[word] >= HOT_THRESHOLD) return true;
    heat[word]++;
    return false;
  }

  /** Translates the block at RAM offset `off` (virtual pc `pc`); returns its id, or -1. */
  compile(ram: Int32Array, off: number, pc: number): number {
    if (this.fns.length >= MAX_BLOCKS) this.clear();
    const page = off >>> 12;
    let table = this.pages[page];
    let covered = this.covered[page];
    if (table === undefined || covered === undefined) {
      table = this.pages[page] = new Int32Array(1024);
      covered = this.covered[page] = new Uint8Array(1024);
      this.onNewCodePage(page);
    }
    const word = (off & 0xfff) >>> 2;
    const block = translateBlock(ram, off >>> 2, pc, this.logging);
    if (block === null) {
      table[word] = -1;
      return -1;
    }
    const id = this.fns.length;
    this.fns.push(block.fn);
    this.lens.push(block.length);
    this.pcs.push(pc);
    table[word] = id;
    covered.fill(1, word, word + block.length);
    return id;
  }

  /**
   * A write of `size` bytes at RAM offset `off`. Returns true when the page holds
   * translated code (so the write must not get a fast store-TLB entry).
   */
  written(off: number, size: number): boolean {
    const page = off >>> 12;
    const covered = this.covered[page];
    if (covered === undefined) return false;
    const first = (off & 0xfff) >>> 2;
    const last = ((off + size - 1) & 0xfff) >>> 2;
    if (covered[first] !== 0 || covered[last] !== 0) {
      this.pages[page] = undefined;
      this.covered[page] = undefined;
      this.heat[page] = undefined;
      return false;
    }
    return true;
  }

  /** Drops translations for a RAM range written by the host. */
  invalidateRange(off: number, length: number): void {
    for (let p = off >>> 12; p <= (off + length - 1) >>> 12 && p < this.pages.length; p++) {
      this.pages[p] = undefined;
      this.covered[p] = undefined;
      this.heat[p] = undefined;
    }
  }
}
