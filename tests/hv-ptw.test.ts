// ptw events under the nested strategy against an independent observer: the same kernel
// on the built-in firmware, every store watched, each one checked against the
// definition (a store to a page that is at that moment the satp root or a second-level
// table a valid non-leaf root entry points to). Both must list the same writes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CSR } from '@hvrr/cpu';
import { MemorySink } from '@hvrr/events';
import { BufferConsole, Machine } from '@hvrr/machine';
import { createHypervisorMachine } from '@hvrr/hypervisor';

const KERNEL = readFileSync(fileURLToPath(new URL('../packages/guests/images/kernel.elf', import.meta.url)));

/** [word address, new value] of every store to a page-table page, seen by watching every store. */
function observedOnFirmware(bootargs: string): [number, number][] {
  const machine = new Machine({ image: KERNEL, firmware: { kind: 'builtin' }, memSize: 64 * 1024 * 1024, bootargs, console: new BufferConsole() });
  const hart = machine.hart;
  const ram = machine.bus.ram;
  hart.storeWatch.fill(1);
  const seen: [number, number][] = [];
  machine.watchedStore = (pa: number) => {
    const satp = hart.csr[CSR.satp];
    if (satp >= 0) return; // Bare: no tables
    const root = (satp & 0x3fffff) * 4096;
    const page = pa - (pa % 4096);
    let isTable = page === root;
    for (let i = 0; i < 1024 && !isTable; i++) {
      const pte = ram.i32[(root - ram.base + i * 4) >>> 2];
      if ((pte & 1) !== 0 && (pte & 0xe) === 0 && (pte >>> 10) * 4096 === page) isTable = true;
    }
    if (isTable) seen.push([pa - (pa % 4), ram.i32[(pa - ram.base) >>> 2]]);
  };
  machine.run(2_000_000_000);
  return seen;
}

describe('ptw events (nested)', () => {
  // malloc and memtouch grow the running process's own tables (ptws); fork and fault
  // build other processes' tables, not reachable from the running root (none).
  it.each([
    ['init=malloc', true],
    ['init=memtouch -- 512', true],
    ['init=forkwait -- 5', false],
    ['init=fault', false],
  ])('%s: the same page-table writes as the observer on the firmware', (bootargs, some) => {
    const sink = new MemorySink();
    const { machine } = createHypervisorMachine({ vms: [{ image: KERNEL, imagePath: 'kernel.elf', bootargs }], console: new BufferConsole() });
    machine.attachSink(sink);
    expect(machine.run(2_000_000_000)?.kind).toBe('pass');
    const ptws = sink.events.flatMap((e) => (e.type === 'ptw' ? [[e.gpa, e.new] as [number, number]] : []));
    const observed = observedOnFirmware(bootargs);
    expect(observed.length > 0).toBe(some);
    expect(ptws).toEqual(observed);
  });
});
