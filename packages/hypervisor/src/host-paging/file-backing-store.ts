import { closeSync, constants, openSync, readSync, statSync, writeSync } from 'node:fs';
import type { FailureInjector, IoResult } from './backing-store.js';
import { measureNs } from './host-stopwatch.js';
import { PAGE_SIZE } from './page-size.js';
import { SlottedBackingStore } from './slotted-backing-store.js';

export interface FileBackingOptions {
  /** Bound on the file's size in pages; past it allocation fails with ENOSPC. */
  maxSlots?: number;
  /** Open with O_DSYNC so each write reaches the device and its measured time means it. */
  sync?: boolean;
  inject?: FailureInjector;
}

/**
 * `--backing file:PATH`: one page per slot at byte offset slot × 4096 of a file, read and
 * written with synchronous node:fs calls (the run is single-threaded and deterministic, so
 * the emulation simply waits, as a host whose hypervisor blocks on its swap device would).
 * The file is created, or truncated if it is an existing regular file (anything else, such
 * as a device, is refused), and left in place on close.
 * Errors the OS reports (EIO, ENOSPC, ...) come back as failed results, never as throws.
 */
export class FileBackingStore extends SlottedBackingStore {
  readonly name: string;
  private readonly fd: number;
  private closed = false;

  constructor(
    readonly path: string,
    options: FileBackingOptions = {},
  ) {
    super(options.inject, options.maxSlots);
    this.name = `file:${path}`;
    const existing = statSync(path, { throwIfNoEntry: false });
    if (existing !== undefined && !existing.isFile()) throw new Error(`backing store ${path} exists and is not a regular file; give a new or regular file`);
    const flags = constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | (options.sync ? constants.O_DSYNC : 0);
    this.fd = openSync(path, flags, 0o600);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  protected writePage(slot: number, page: Uint8Array): IoResult {
    return this.transfer(() => writeSync(this.fd, page, 0, PAGE_SIZE, slot * PAGE_SIZE));
  }

  protected readPage(slot: number, into: Uint8Array): IoResult {
    return this.transfer(() => readSync(this.fd, into, 0, PAGE_SIZE, slot * PAGE_SIZE));
  }

  /** Runs one whole-page transfer; a short transfer counts as EIO (a page is all or nothing). */
  private transfer(io: () => number): IoResult {
    const timed = measureNs(() => {
      try {
        return { bytes: io(), error: undefined };
      } catch (error) {
        return { bytes: 0, error: (error as NodeJS.ErrnoException).code ?? 'EIO' };
      }
    });
    const { bytes, error } = timed.value;
    if (error !== undefined) return { ok: false, error, measuredNs: timed.ns };
    if (bytes !== PAGE_SIZE) return { ok: false, error: 'EIO', measuredNs: timed.ns };
    return { ok: true, measuredNs: timed.ns };
  }
}
