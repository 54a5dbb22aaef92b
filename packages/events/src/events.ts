/**
 * The event model of DESIGN.md ("the log is the truth"). Every event is keyed by the
 * machine's retired-instruction count (`icount`) at the moment it happened; the recorder
 * adds a sequence number for events that share a count.
 *
 * Non-instruction events are rare (traps, device accesses), so they are plain objects.
 * Retired instructions are never objects: they go into columnar batches (InsnColumns).
 */

/** Privilege modes as the privileged spec encodes them in xPP fields. */
export type PrivilegeMode = 0 | 1 | 3;

export const MODE_NAMES: Record<number, string> = { 0: 'U', 1: 'S', 3: 'M' };

export interface TrapEvent {
  type: 'trap';
  icount: number;
  /** Exception or interrupt code, without the interrupt bit. */
  cause: number;
  interrupt: boolean;
  tval: number;
  /** pc of the trapping (or interrupted) instruction. */
  epc: number;
  from: PrivilegeMode;
  to: PrivilegeMode;
  /** Who handled it: guest code at the target mode, or host code (built-in firmware, later the hypervisor). */
  handler: 'guest' | 'firmware' | 'hypervisor';
}

export interface IrqEvent {
  type: 'irq';
  icount: number;
  /** Interrupt number (bit in mip). */
  irq: number;
  /** raised/cleared: the pending line changed; taken: the hart entered the handler. */
  action: 'raised' | 'cleared' | 'taken';
}

export interface MmioEvent {
  type: 'mmio';
  icount: number;
  op: 'read' | 'write';
  /** Physical address. */
  addr: number;
  size: 1 | 2 | 4;
  value: number;
  device: string;
}

/** A write into guest memory made by the host or a device, not by a guest store. */
export interface HostWriteEvent {
  type: 'hostwrite';
  icount: number;
  addr: number;
  bytes: Uint8Array;
  source: string;
}

export interface SbiEvent {
  type: 'sbi';
  icount: number;
  eid: number;
  fid: number;
  args: number[];
  error: number;
  value: number;
}

export interface HashEvent {
  type: 'hash';
  icount: number;
  hash: string;
}

export type HvrrEvent = TrapEvent | IrqEvent | MmioEvent | HostWriteEvent | SbiEvent | HashEvent;
export type EventType = HvrrEvent['type'];
