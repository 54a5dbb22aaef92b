import type { Ram } from '@hvrr/mmu';

const PAGE = 4096;

/**
 * Copy-on-write RAM for snapshots. Every distinct page content a snapshot needs is
 * stored once, under an id (0 is the zero page, never stored); a snapshot's RAM is
 * an Int32Array of ids, one per page. `live` holds the ids the RAM had at the last
 * capture or restore; pages written since are marked in `ram.dirty` (the time machine
 * owns the RAM's dirty epoch: it runs no state hashes), so a capture copies only those
 * and a restore writes only pages whose id differs or that were written since.
 * Contents are reference counted; a page nobody refers to is dropped.
 */
export class PageStore {
  private readonly pages: (Uint8Array | undefined)[] = [undefined];
  private readonly refs: number[] = [0];
  private readonly free: number[] = [];
  /** Ids of the RAM's pages as of the last capture or restore. */
  readonly live: Int32Array;
  /** Bytes of page contents held. */
  bytes = 0;

  constructor(private readonly ram: Ram) {
    this.live = new Int32Array(ram.size / PAGE);
  }

  get pageCount(): number {
    return this.live.length;
  }

  /**
   * Takes the RAM as it is now as the starting point: pages in `nonZero` are stored,
   * every other page is taken to be zero (a freshly built machine), so nothing else
   * is read.
   */
  start(nonZero: Iterable<number>): Int32Array {
    for (const p of nonZero) this.setLive(p, this.store(this.ram.u8.subarray(p * PAGE, p * PAGE + PAGE)));
    this.ram.dirty.fill(0);
    return this.capture();
  }

  /**
   * Pages of the RAM that are not all zero. Fresh RAM reads as zero without being
   * faulted in, and runs of 64 pages are compared at once, so this is quick.
   */
  nonZeroPages(): number[] {
    const u8 = this.ram.u8;
    const bytes = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
    const out: number[] = [];
    const n = this.live.length;
    for (let p = 0; p < n; p += RUN) {
      const end = Math.min(n, p + RUN);
      if (ZERO_RUN.equals(bytes.subarray(p * PAGE, end * PAGE)) && end - p === RUN) continue;
      for (let q = p; q < end; q++) if (!isZero(bytes.subarray(q * PAGE, q * PAGE + PAGE))) out.push(q);
    }
    return out;
  }

  /** Stores the pages written since the last capture or restore; returns the RAM's ids (the caller clears the dirty epoch). */
  capture(): Int32Array {
    const ram = this.ram;
    const dirty = ram.dirty;
    for (let p = dirty.indexOf(1); p >= 0; p = dirty.indexOf(1, p + 1)) {
      const bytes = ram.u8.subarray(p * PAGE, p * PAGE + PAGE);
      const old = this.live[p]!;
      // Written back to what it held: keep the stored copy.
      if (old !== 0 && Buffer.from(this.pages[old]!.buffer, this.pages[old]!.byteOffset, PAGE).equals(bytes)) continue;
      this.setLive(p, isZero(bytes) ? 0 : this.store(bytes));
    }
    const ids = this.live.slice();
    for (let p = 0; p < ids.length; p++) if (ids[p] !== 0) this.refs[ids[p]!]!++;
    return ids;
  }

  /** Applies page contents recorded in a trace on top of `base`'s ids; returns the new ids (references taken). */
  derive(base: Int32Array, pages: number[], data: Uint8Array): Int32Array {
    const ids = base.slice();
    pages.forEach((p, i) => {
      const bytes = data.subarray(i * PAGE, i * PAGE + PAGE);
      ids[p] = isZero(bytes) ? 0 : this.store(bytes);
    });
    for (let p = 0; p < ids.length; p++) if (ids[p] !== 0) this.refs[ids[p]!]!++;
    // store() counted one reference for the new contents; the snapshot's count replaces it.
    for (const p of pages) if (ids[p] !== 0) this.unref(ids[p]!);
    return ids;
  }

  /**
   * Makes the RAM hold the pages of `ids`. Calls `changed(p)` for each page written
   * (the caller drops translated code there). The caller clears the dirty epoch.
   */
  restore(ids: Int32Array, changed: (page: number) => void): void {
    const ram = this.ram;
    const dirty = ram.dirty;
    const live = this.live;
    for (let p = 0; p < ids.length; p++) {
      const want = ids[p]!;
      if (want === live[p] && dirty[p] === 0) continue;
      const at = p * PAGE;
      if (want === 0) ram.u8.fill(0, at, at + PAGE);
      else ram.u8.set(this.pages[want]!, at);
      this.setLive(p, want, true);
      changed(p);
    }
  }

  /** A snapshot's ids are no longer needed. */
  release(ids: Int32Array): void {
    for (let p = 0; p < ids.length; p++) if (ids[p] !== 0) this.unref(ids[p]!);
  }

  /** Content of page p in `ids` (null: zero). */
  page(ids: Int32Array, p: number): Uint8Array | null {
    const id = ids[p]!;
    return id === 0 ? null : this.pages[id]!;
  }

  private store(bytes: Uint8Array): number {
    const id = this.free.pop() ?? this.pages.length;
    this.pages[id] = bytes.slice();
    this.refs[id] = 1;
    this.bytes += PAGE;
    return id;
  }

  /** Points live[p] at `id`, moving live's reference. `counted`: id already has a holder. */
  private setLive(p: number, id: number, counted = false): void {
    const old = this.live[p]!;
    if (old === id) return;
    if (id !== 0 && counted) this.refs[id]!++;
    this.live[p] = id;
    if (old !== 0) this.unref(old);
  }

  private unref(id: number): void {
    if (--this.refs[id]! > 0) return;
    this.pages[id] = undefined;
    this.free.push(id);
    this.bytes -= PAGE;
  }
}

const ZERO_PAGE = Buffer.alloc(PAGE);
const RUN = 64;
const ZERO_RUN = Buffer.alloc(RUN * PAGE);

function isZero(b: Uint8Array): boolean {
  return ZERO_PAGE.equals(b);
}
