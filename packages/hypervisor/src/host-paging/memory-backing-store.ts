import type { FailureInjector, IoResult } from './backing-store.js';
import { measureNs } from './host-stopwatch.js';
import { PAGE_SIZE } from './page-size.js';
import { SlottedBackingStore } from './slotted-backing-store.js';

/** Slots per chunk: the store grows 1 MiB at a time instead of allocating per page. */
const SLOTS_PER_CHUNK = 256;

/** `--backing memory`: evicted pages kept in host memory, in 1 MiB typed-array chunks. */
export class MemoryBackingStore extends SlottedBackingStore {
  readonly name = 'memory';
  private readonly chunks: Uint8Array[] = [];

  constructor(options: { maxSlots?: number; inject?: FailureInjector } = {}) {
    super(options.inject, options.maxSlots);
  }

  close(): void {
    this.chunks.length = 0;
  }

  protected writePage(slot: number, page: Uint8Array): IoResult {
    const { ns } = measureNs(() => this.view(slot).set(page.subarray(0, PAGE_SIZE)));
    return { ok: true, measuredNs: ns };
  }

  protected readPage(slot: number, into: Uint8Array): IoResult {
    const { ns } = measureNs(() => into.set(this.view(slot)));
    return { ok: true, measuredNs: ns };
  }

  private view(slot: number): Uint8Array {
    const chunkIndex = Math.floor(slot / SLOTS_PER_CHUNK);
    while (this.chunks.length <= chunkIndex) this.chunks.push(new Uint8Array(SLOTS_PER_CHUNK * PAGE_SIZE));
    const offset = (slot % SLOTS_PER_CHUNK) * PAGE_SIZE;
    return this.chunks[chunkIndex]!.subarray(offset, offset + PAGE_SIZE);
  }
}
