import type { EventSink } from '@hvrr/events';
import type { Machine } from './machine.js';

/**
 * Software that runs on the host side of the machine in place of HS-mode code: the
 * hypervisor. A Machine given one (`MachineConfig.host`) loads no ELF itself; its RAM is
 * host memory of the size the host software asks for. In `attach` the host software
 * becomes the hart's HartHost (hart.host), so traps into HS-mode, time and WFI reach it
 * directly; the machine's run loop calls `handleExit` whenever the hart stops on a VM exit.
 * Bare and built-in firmware runs have none.
 */
export interface HostSoftware {
  /** Bytes of host RAM (at 0x80000000) the machine must provide; a multiple of 4 KiB. */
  readonly hostMemSize: number;
  /** The machine is built (hart, bus, RAM): load the guests and put the hart in the first one. */
  attach(machine: Machine): void;
  /**
   * The hart stopped for the host: a VM exit (STOP_VM_EXIT), or a stop the host software
   * requested itself (STOP_HALT). Handle it and resume a guest, or finish the run.
   */
  handleExit(): void;
  /** Machine-physical [address, length] ranges of host RAM written before the first instruction (state hashing starts from them). */
  loadedRanges(): [number, number][];
  /**
   * The host software's own state that state hashes must cover besides the hart and RAM
   * (e.g. switched-out vCPUs), as plain data: numbers, strings, booleans, bigints, arrays,
   * typed arrays and objects. Record and replay hash it at the same points.
   */
  hashedState(): unknown;
  /** The sink the hart and the host software emit into (the host software may wrap it). */
  wrapSink(sink: EventSink | null): EventSink | null;
}
