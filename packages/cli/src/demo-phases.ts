import { CSR } from '@hvrr/cpu';
import type { Hypervisor, PoolFault, Vm } from '@hvrr/hypervisor';

/** A VM's clocks at one moment of the run. */
export interface Milestone {
  label: string;
  /** The VM's retired instructions. */
  retired: number;
  guestNs: number;
  hostNs: number;
  majorFaults: number;
  minorFaults: number;
  droppedNs: number;
}

/** One phase of a VM's run: from the previous milestone to this one. */
export interface Phase {
  vm: number;
  label: string;
  instructions: number;
  guestNs: number;
  hostNs: number;
  majorFaults: number;
  minorFaults: number;
  droppedNs: number;
}

/** One host page fault of vm0 while memtouch runs: where its clocks were, and the access behind it. */
interface FaultMark {
  at: Milestone;
  /** The exit's cause (21 load, 23 store, 20 fetch; else a host access) and the guest-virtual address. */
  cause: number;
  va: number;
}

/**
 * Watches a two-VM floppy run (vm0 memtouch, vm1 timer) and cuts each VM's run into
 * phases at moments the guest's own behaviour marks:
 * - vm0: boot (up to "starting memtouch"), setup (exec and the first steps of memtouch),
 *   touch (from the first fault on a heap address: memtouch stores every word, the kernel
 *   allocating pages as it goes and the pool evicting), verify (from the first load
 *   fault on a heap address: it reads every word back, paging the heap in again), exit
 *   (memtouch's report, sbrk(-), the kernel's shutdown). The heap's address comes from
 *   memtouch's own report, so the cut is made once it has printed it;
 * - vm1: boot (up to "starting timer"), one phase per sleep (up to its report line), exit.
 * Each milestone takes the VM's guest time and modeled host time there.
 */
export class DemoPhases {
  private readonly milestones: Milestone[][] = [[], []];
  private running = false;
  private readonly faults: FaultMark[] = [];

  constructor(private readonly hv: Hypervisor) {
    for (const list of this.milestones) list.push({ label: 'start', retired: 0, guestNs: 0, hostNs: 0, majorFaults: 0, minorFaults: 0, droppedNs: 0 });
    hv.pagingObserver = (vm, fault, stall) => this.onFault(vm, fault, stall?.ns ?? 0);
  }

  /** A whole console line of VM `vm` (without its [vmN] prefix). */
  line(vm: number, text: string): void {
    if (vm === 0) {
      if (text.includes('starting memtouch')) {
        this.mark(0, 'boot');
        this.running = true;
      }
      const report = /^memtouch: (\d+) KiB at 0x([0-9a-f]+)/.exec(text);
      if (report !== null && this.running) {
        this.running = false;
        const base = parseInt(report[2]!, 16);
        const end = base + Number(report[1]) * 1024;
        const heap = this.faults.filter((f) => f.va >= base && f.va < end && (f.cause === 21 || f.cause === 23));
        const touch = heap.find((f) => f.cause === 23);
        const verify = heap.find((f) => f.cause === 21);
        if (touch !== undefined) this.milestones[0]!.push({ ...touch.at, label: 'setup' });
        if (verify !== undefined) this.milestones[0]!.push({ ...verify.at, label: 'touch' });
        this.mark(0, verify !== undefined ? 'verify' : 'touch+verify');
      }
    } else if (vm === 1) {
      if (text.includes('starting timer')) this.mark(1, 'boot');
      const sleep = /^timer: (sleep\(\d+ ms\))/.exec(text);
      if (sleep !== null) this.mark(1, sleep[1]!);
    }
  }

  /** Ends every VM's last phase ('exit') and returns the phases. */
  finish(): Phase[] {
    const phases: Phase[] = [];
    for (const [id, list] of this.milestones.entries()) {
      const vm = this.hv.vms[id];
      if (vm === undefined) continue;
      list.push(this.milestone(vm, 'exit', 0));
      for (let i = 1; i < list.length; i++) {
        const a = list[i - 1]!;
        const b = list[i]!;
        phases.push({
          vm: id,
          label: b.label,
          instructions: b.retired - a.retired,
          guestNs: b.guestNs - a.guestNs,
          hostNs: b.hostNs - a.hostNs,
          majorFaults: b.majorFaults - a.majorFaults,
          minorFaults: b.minorFaults - a.minorFaults,
          droppedNs: b.droppedNs - a.droppedNs,
        });
      }
    }
    return phases;
  }

  private onFault(vm: Vm, fault: PoolFault, stallNs: number): void {
    if (vm.id !== 0 || !this.running) return;
    // The milestone is taken before this fault: its stall and its count belong to what follows.
    const at = this.milestone(vm, '', stallNs);
    if (fault.kind === 'major') at.majorFaults--;
    else at.minorFaults--;
    const csr = this.hv.hart.csr;
    this.faults.push({ at, cause: csr[CSR.scause]!, va: csr[CSR.stval]! >>> 0 });
  }

  private mark(id: number, label: string): void {
    const vm = this.hv.vms[id];
    if (vm !== undefined) this.milestones[id]!.push(this.milestone(vm, label, 0));
  }

  /** The VM's clocks now; `beforeStallNs`: take host time from before a stall that just happened. */
  private milestone(vm: Vm, label: string, beforeStallNs: number): Milestone {
    const retired = vm.retired(this.hv.hart.icount);
    const policy = vm.timing.policy;
    return {
      label,
      retired,
      guestNs: vm.timing.guestNs(retired),
      hostNs: vm.timing.hostNs(retired) - beforeStallNs,
      majorFaults: vm.hostPageFaults.major,
      minorFaults: vm.hostPageFaults.minor,
      droppedNs: policy === null ? 0 : policy.stats().droppedNs,
    };
  }
}
