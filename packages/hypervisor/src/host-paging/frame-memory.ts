import { PAGE_SIZE } from './page-size.js';

/**
 * The pager's only way to reach page contents: copy 4 KiB into or out of a machine frame
 * of the pool (frames numbered 0..frames-1). The hypervisor implements it over the
 * machine's RAM (RamFrameMemory below); the pager knows nothing about harts.
 */
export interface FrameMemory {
  readFrame(frame: number, into: Uint8Array): void;
  writeFrame(frame: number, data: Uint8Array): void;
}

/**
 * Frames as consecutive pages of a byte array, starting at `byteOffset`: the host RAM
 * region the hypervisor reserves for the pool (machine address of frame f is then
 * RAM base + byteOffset + f × 4096). Tests use it over a plain array.
 *
 * `afterWrite` runs after a frame's content was replaced: the hypervisor marks the page
 * in RAM's dirty map (state hashes) and drops translated code cached for it, since the
 * frame now holds another guest page.
 */
export class RamFrameMemory implements FrameMemory {
  constructor(
    readonly ram: Uint8Array,
    readonly byteOffset: number,
    readonly frames: number,
    private readonly afterWrite?: (byteOffset: number, length: number) => void,
  ) {
    if (byteOffset % PAGE_SIZE !== 0) throw new RangeError(`frame pool offset ${byteOffset} is not page aligned`);
    if (byteOffset + frames * PAGE_SIZE > ram.length) throw new RangeError(`a pool of ${frames} frames at ${byteOffset} does not fit in ${ram.length} bytes`);
  }

  readFrame(frame: number, into: Uint8Array): void {
    const at = this.offsetOf(frame);
    into.set(this.ram.subarray(at, at + PAGE_SIZE));
  }

  writeFrame(frame: number, data: Uint8Array): void {
    const at = this.offsetOf(frame);
    this.ram.set(data.subarray(0, PAGE_SIZE), at);
    this.afterWrite?.(at, PAGE_SIZE);
  }

  /** Byte offset of a frame in `ram`. */
  offsetOf(frame: number): number {
    if (!Number.isInteger(frame) || frame < 0 || frame >= this.frames) throw new RangeError(`frame ${frame} outside 0..${this.frames - 1}`);
    return this.byteOffset + frame * PAGE_SIZE;
  }
}
