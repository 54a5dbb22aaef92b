import type { HpfEvent, TimeEvent } from '@hvrr/events';
import type { PoolFault } from './host-frame-pool.js';
import { pagingInputsOf, type PagingInput } from './host-paging/index.js';
import type { TimePolicyEvent } from './time-policy/time-policy.js';
import type { Vm } from './vm.js';

/**
 * The backing-store results one host page fault waited for: an input of the run. A
 * recording keeps them (at every level) and a replay serves them back in order, so the
 * replay's stalls, failures and hence guest time are the recording's whatever its disk
 * or `--latency`.
 */
export interface PagingInputRecord {
  /** hart.icount when the fault happened. */
  icount: number;
  vm: number;
  gpn: number;
  ops: PagingInput[];
}

/** What the hypervisor offers the host page-fault handler below. */
export interface PageFaultHost {
  readonly vms: readonly Vm[];
  readonly hart: { readonly icount: number };
  readonly wantsEvents: boolean;
  emit(event: HpfEvent | TimeEvent): void;
  /** Where this run's paging inputs go (recording; also replay, which compares them). */
  readonly pagingInputs: ((record: PagingInputRecord) => void) | null;
  /** Watches every fault and the stall it caused (`hvrr demo floppy`); null when nobody watches. */
  pagingObserver: ((vm: Vm, fault: PoolFault, stall: TimePolicyEvent | null) => void) | null;
}

/**
 * One fault of the host frame pool: counts it for its VM; under host paging records its
 * inputs, charges its latency to the faulting VM's time policy (the stall is that VM's:
 * its guest time depends only on its own instructions and its own faults), and emits
 * the host-side `hpf` and `time` events.
 */
export function onHostPageFault(host: PageFaultHost, fault: PoolFault): void {
  const vm = host.vms[fault.vm];
  if (vm === undefined) return;
  if (fault.kind === 'major') vm.hostPageFaults.major++;
  else vm.hostPageFaults.minor++;
  const result = fault.result;
  if (result === null) {
    host.pagingObserver?.(vm, fault, null);
    return; // no host paging: a first touch, nothing else happens
  }
  const icount = host.hart.icount;
  const inputs = pagingInputsOf(result);
  if (inputs.length > 0) host.pagingInputs?.({ icount, vm: fault.vm, gpn: fault.gpn, ops: inputs });
  const stall = result.latencyNs > 0 ? vm.timing.stall(vm.retired(icount), result.latencyNs) : null;
  if (host.wantsEvents) {
    host.emit(hpfEvent(icount, fault));
    if (stall !== null) host.emit(timeEvent(icount, stall));
  }
  host.pagingObserver?.(vm, fault, stall);
}

/** The `hpf` event of a fault the pager handled. */
export function hpfEvent(icount: number, fault: PoolFault): HpfEvent {
  const r = fault.result!;
  const ops: HpfEvent['ops'] = [];
  const errors: string[] = [];
  for (const op of r.ops) {
    if (op.op === 'read') ops.push(op.ok ? 'page-in' : 'read-failed');
    else if (op.op === 'write') ops.push(op.ok ? 'page-out' : 'write-failed');
    else if (!op.ok) ops.push('write-failed'); // no slot could be had for a write-back
    if (!op.ok) errors.push(op.error ?? 'EIO');
  }
  const evicted = r.ok ? r.evicted : undefined;
  // A clean victim leaves without a store operation: a drop (placed before the page-in).
  if (evicted !== undefined && !evicted.wrote) ops.splice(ops.indexOf('page-in') < 0 ? ops.length : ops.indexOf('page-in'), 0, 'drop');
  const event: HpfEvent = {
    type: 'hpf',
    icount,
    gpa: fault.gpn * 4096,
    kind: fault.kind,
    write: fault.write,
    victim: evicted === undefined ? null : { vm: evicted.vm, gpa: evicted.gpn * 4096 },
    ops,
    latencyNs: r.latencyNs,
  };
  if (errors.length > 0) event.errors = errors;
  if (!r.ok) event.failed = r.message;
  return event;
}

/** The `time` event of a stall or idle period. */
export function timeEvent(icount: number, e: TimePolicyEvent): TimeEvent {
  return { type: 'time', icount, kind: e.kind, ns: e.ns, guestNs: e.guestNs, hostNs: e.hostNs, backlogNs: e.backlogNs, droppedNs: e.droppedNs, rate: e.rate };
}
