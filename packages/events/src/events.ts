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
  /** V before the trap (set when H state is involved: either side virtualized). */
  fromVirt?: boolean;
  /** V after the trap: true for a trap taken into VS-mode. */
  toVirt?: boolean;
}

export interface IrqEvent {
  type: 'irq';
  icount: number;
  /** Interrupt number (bit in mip). */
  irq: number;
  /**
   * raised/cleared: the pending line changed; taken: the hart entered the handler;
   * injected: the hypervisor made it pending in a guest (hvip).
   */
  action: 'raised' | 'cleared' | 'taken' | 'injected';
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

/**
 * A VM exit, as the hypervisor handled it: the trap into HS-mode (cause, tvals) and what
 * the hypervisor did about it. Reasons and resolutions are listed in docs/hypervisor.md.
 */
export interface ExitEvent {
  type: 'exit';
  icount: number;
  reason: string;
  /** The trap's cause (interrupt code when `interrupt`). */
  cause: number;
  interrupt: boolean;
  /** Guest pc of the exit (sepc). */
  epc: number;
  tval: number;
  /** Guest-physical address >> 2 for guest-page faults, else 0. */
  htval: number;
  htinst: number;
  resolution: string;
}

/**
 * A guest page-table write: a guest store to a page that is, at that moment, a page-table
 * page of the guest (docs/hypervisor.md has the exact definition).
 */
export interface PtwEvent {
  type: 'ptw';
  icount: number;
  /** Guest-physical address of the written word (a number up to 2^34). */
  gpa: number;
  old: number;
  new: number;
  /** How the hypervisor saw it: 'trap' (write-protected table page), 'observed', 'hypercall'. */
  how: 'trap' | 'observed' | 'hypercall';
}

/** A trap return (sret) the hypervisor emulated for a guest (hstatus.VTSR set). */
export interface XretEvent {
  type: 'xret';
  icount: number;
  /** pc of the xRET instruction, and the pc it returned to. */
  epc: number;
  pc: number;
  from: PrivilegeMode;
  to: PrivilegeMode;
}

/**
 * A host page fault (host paging, `--host-mem`): a guest page the hypervisor had to bring
 * into a machine frame. Host-side: the guest never sees it (only, under a `real` or
 * `catchup` time policy, its latency in guest time).
 */
export interface HpfEvent {
  type: 'hpf';
  icount: number;
  /** Guest-physical address of the page (a number up to 2^34). */
  gpa: number;
  /** minor: no read (first touch, or still resident); major: read back from the backing store. */
  kind: 'minor' | 'major';
  /** The access needed to store (a store fault, or a host write). */
  write: boolean;
  /** The page that gave up its frame, or null when a frame was free. */
  victim: { vm: number; gpa: number } | null;
  /**
   * Backing-store operations, in order: 'page-out' (a dirty victim written), 'drop' (a clean
   * victim), 'page-in' (this page read back), 'write-failed'/'read-failed' (with `error`).
   */
  ops: ('page-out' | 'drop' | 'page-in' | 'write-failed' | 'read-failed')[];
  /** Host time the fault stalled for (modeled or measured: an input of the run), in ns. */
  latencyNs: number;
  /** Errors of failed operations (EIO, ENOSPC...), in order; absent when none failed. */
  errors?: string[];
  /** Set when the fault could not be served (the VM stops). */
  failed?: string;
}

/**
 * What a host stall or a WFI idle period did to a VM's time under its time policy: the
 * stall, guest and modeled host time after it, the backlog still owed (catchup) and the
 * rate guest time runs at from here (1, or 1 + slew while catching up). Host-side.
 */
export interface TimeEvent {
  type: 'time';
  icount: number;
  kind: 'stall' | 'idle';
  /** The stall's (or idle period's host) length, ns. */
  ns: number;
  guestNs: number;
  hostNs: number;
  backlogNs: number;
  droppedNs: number;
  /** Guest ns per nominal ns from here on (the catch-up rate). */
  rate: number;
}

/** Fields every event emitted while a VM runs carries (hypervisor runs only). */
export interface VmTag {
  /** The VM (its index, from 0). */
  vm?: number;
  /** That VM's own retired-instruction count at the event. */
  vmIcount?: number;
}

export type HvrrEvent = (TrapEvent | IrqEvent | MmioEvent | HostWriteEvent | SbiEvent | HashEvent | ExitEvent | PtwEvent | XretEvent | HpfEvent | TimeEvent) & VmTag;
export type EventType = HvrrEvent['type'];
