// Runs the guest kernel under one memory strategy and projects what its guest can see:
// shared by the strategy-equivalence and stats tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CSR } from '@hvrr/cpu';
import type { EventSink, HvrrEvent } from '@hvrr/events';
import { BufferConsole, type RunOutcome } from '@hvrr/machine';
import { createHypervisorMachine, DEFAULT_QUANTUM, parseTimePolicy, type HostPagingConfig, type StrategyName, type VmStats } from '@hvrr/hypervisor';
import { runConfig, type RunConfig } from '@hvrr/recorder';

export const KERNEL = readFileSync(fileURLToPath(new URL('../../packages/guests/images/kernel.elf', import.meta.url)));

/** The run configuration of one 8 MiB VM running the guest kernel (as `hvrr record --hv` builds it). */
export function oneVmConfig(o: { bootargs: string; strategy?: StrategyName; hostPaging?: HostPagingConfig | null; time?: string; image?: Uint8Array }): RunConfig {
  const image = o.image ?? KERNEL;
  return runConfig({
    elf: image,
    elfPath: 'kernel.elf',
    bootargs: o.bootargs,
    hv: {
      quantum: DEFAULT_QUANTUM,
      vms: [{ image, imagePath: 'kernel.elf', memSize: 8 * 1024 * 1024, strategy: o.strategy ?? 'nested', bootargs: o.bootargs, forwardSyscalls: false }],
      hostPaging: o.hostPaging ?? null,
      time: parseTimePolicy(o.time ?? 'virtual'),
    },
  });
}

/** One system call of the guest's processes: its address space, number, arguments and the a0 it returned with. */
export interface Syscall {
  root: number;
  nr: number;
  args: [number, number, number];
  result?: number;
}

export interface StrategyRun {
  outcome: RunOutcome | null;
  output: string;
  stats: VmStats;
  /** Guest-visible events (see project()), in order. */
  visible: unknown[];
  /** The guests' system calls and results, by address space (as the guest's processes observe them). */
  syscalls: Syscall[];
  events: HvrrEvent[];
}

/** SYS_CLOCK (packages/guests/src/include/syscall.h): microseconds since boot. */
const SYS_CLOCK = 12;

/**
 * What the guest's processes observe under pv, to compare with nested: the console
 * without the kernel's lines naming the page-table mechanism, and with clock readings
 * ("N us") masked; the system calls with SYS_CLOCK's result masked. Guest time follows the
 * VM's instruction count, and pv's kernel runs other instructions (it batches PTE writes
 * and makes hypercalls), so a clock read at the same point of a program differs by that
 * many instructions' worth of time; everything else must be identical.
 */
export function pvObservable(run: StrategyRun): { output: string; syscalls: Syscall[] } {
  const output = run.output
    .split('\n')
    .filter((l) => !/^kernel: (bootargs|page tables:|\d+ PTE writes)/.test(l))
    .map((l) => l.replace(/\d+ us\b/g, 'N us'))
    .join('\n');
  const syscalls = run.syscalls.map((c) => (c.nr === SYS_CLOCK ? { ...c, result: undefined } : c));
  return { output, syscalls };
}

/**
 * The guest-visible projection of an event, or null for host-side events (exits, hidden
 * faults, shadow maintenance, irq raised/injected): guest traps into the guest kernel
 * (cause, interrupt, epc, tval, the mode they came from), ptws (gpa, old, new, not how
 * they were caught), interrupts taken, mmio accesses and SBI calls, each at the VM's own
 * instruction count.
 */
export function project(e: HvrrEvent): unknown | null {
  switch (e.type) {
    case 'trap':
      return e.handler === 'guest' ? ['trap', e.vmIcount, e.cause, e.interrupt, e.epc >>> 0, e.tval >>> 0, e.from] : null;
    case 'ptw':
      return ['ptw', e.vmIcount, e.gpa >>> 0, e.old >>> 0, e.new >>> 0];
    case 'irq':
      return e.action === 'taken' ? ['irq', e.vmIcount, e.irq] : null;
    case 'mmio':
      return ['mmio', e.vmIcount, e.op, e.addr >>> 0, e.size, e.value];
    case 'sbi':
      return ['sbi', e.vmIcount, e.eid >>> 0, e.fid, e.args, e.error, e.value];
  }
  return null;
}

/**
 * Runs `bootargs` on the kernel under `strategy` at the events level. Under nested the
 * guest's system calls are forwarded (hstatus.VTSR) so that its SRETs show as xret
 * events as they do under shadow and pv; that changes no guest-visible event.
 */
export function runStrategy(strategy: StrategyName, bootargs: string, budget = 2_000_000_000): StrategyRun {
  const console = new BufferConsole();
  const { machine, hypervisor } = createHypervisorMachine({
    vms: [{ image: KERNEL, imagePath: 'kernel.elf', bootargs, strategy, forwardSyscalls: strategy === 'nested' }],
    console,
  });
  const hart = machine.hart;
  const events: HvrrEvent[] = [];
  const syscalls: Syscall[] = [];
  const pending = new Map<number, Syscall>();
  const sink: EventSink = {
    wantsInstructions: false,
    wantsEvents: true,
    emit(e) {
      events.push(e);
      if (e.type === 'trap' && e.handler === 'guest' && e.cause === 8 && !e.interrupt) {
        const x = hart.x;
        const call: Syscall = { root: hart.csr[CSR.vsatp]! >>> 0, nr: x[17]!, args: [x[10]!, x[11]!, x[12]!] };
        syscalls.push(call);
        pending.set(call.root, call);
      } else if (e.type === 'xret' && e.to === 0) {
        const root = hart.csr[CSR.vsatp]! >>> 0;
        const call = pending.get(root);
        if (call !== undefined) {
          call.result = hart.x[10]!;
          pending.delete(root);
        }
      }
    },
    instructions() {},
  };
  machine.attachSink(sink);
  const outcome = machine.run(budget);
  const visible = events.map(project).filter((v) => v !== null);
  return { outcome, output: console.text(), stats: hypervisor.vmStats()[0]!, visible, syscalls, events };
}
