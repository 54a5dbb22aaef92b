/**
 * A direct-mapped software TLB that maps a virtual page straight to a RAM offset.
 * `tag[i]` holds the virtual page number cached in slot i (or -1); `off[i]` the RAM
 * byte offset of the physical page. Only RAM pages are ever cached: devices always
 * take the slow path. One Tlb exists per access type (fetch, load, store), each filled
 * only after the page walk granted that access in the current privilege context, so a
 * hit needs no permission check. Anything that changes the context flushes them.
 */
export const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;

export class Tlb {
  readonly tag = new Int32Array(TLB_SIZE).fill(-1);
  readonly off = new Int32Array(TLB_SIZE);

  fill(vpn: number, ramOffset: number): void {
    const i = vpn & TLB_MASK;
    this.tag[i] = vpn;
    this.off[i] = ramOffset;
  }

  flush(): void {
    this.tag.fill(-1);
  }

  flushPage(vpn: number): void {
    const i = vpn & TLB_MASK;
    if (this.tag[i] === vpn) this.tag[i] = -1;
  }
}
