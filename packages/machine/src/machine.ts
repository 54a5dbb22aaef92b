import { PhysicalBus, Ram } from '@hvrr/mmu';
import { CSR, Hart, IRQ_MTI, IRQ_STI, STOP_BUDGET, STOP_HALT, STOP_IDLE, STOP_VM_EXIT, causeName, type HartHost } from '@hvrr/cpu';
import type { EventSink } from '@hvrr/events';
import type { BoardContext } from './board-context.js';
import { BuiltinFirmware } from './builtin-firmware.js';
import { Clint, CLINT_BASE, CLINT_SIZE } from './clint.js';
import type { ConsoleIO } from './console-io.js';
import { buildDeviceTree } from './device-tree.js';
import { checkSegmentsFit, ElfError, parseElf, type ElfImage } from './elf.js';
import { GuestClock } from './guest-clock.js';
import type { HostSoftware } from './host-software.js';
import { Htif } from './htif.js';
import { Ns16550a, UART_BASE, UART_SIZE } from './ns16550a.js';
import type { RunOutcome } from './run-outcome.js';
import { FINISHER_BASE, FINISHER_SIZE, TestFinisher } from './test-finisher.js';

export const RAM_BASE = 0x80000000;
export const DEFAULT_MEM_SIZE = 128 * 1024 * 1024;
export const MAX_MEM_SIZE = 2 * 1024 * 1024 * 1024 - 4096 * 1024; // RAM must end below 4 GiB; leave room for nothing else above

export type FirmwareChoice = { kind: 'none' } | { kind: 'builtin' } | { kind: 'elf'; image: Uint8Array; path: string };

export interface MachineConfig {
  /** The ELF to run: a bare M-mode program, or the kernel under a firmware. */
  image: Uint8Array;
  imagePath?: string;
  memSize?: number;
  firmware?: FirmwareChoice;
  bootargs?: string;
  /** Guest nanoseconds per retired instruction (default 1: the 10 MHz timebase ticks every 100). */
  nsPerInsn?: number;
  console: ConsoleIO;
  /**
   * Host software standing in for HS-mode code (the hypervisor). With it the machine
   * loads no ELF (`image` is ignored), its RAM is host memory of `host.hostMemSize`
   * bytes, and traps into HS-mode become VM exits the host software handles.
   */
  host?: HostSoftware;
}

/** The ELF of a hypervisor run's machine: the host loads none (the guests' images go into guest RAM). */
const NO_ELF: ElfImage = { entry: RAM_BASE, segments: [], symbols: [], symbol: () => undefined };

/** A configuration error the user can fix (bad ELF, image outside RAM...): shown as one line. */
export class MachineError extends Error {}

/**
 * The board of QEMU's `virt` machine with one hart: RAM at 0x80000000, CLINT, NS16550A
 * UART, SiFive test finisher, HTIF when the ELF has `tohost`, a generated device tree,
 * and optionally the built-in SBI firmware. Implements the hart's host seams.
 */
export class Machine implements HartHost, BoardContext {
  readonly hart: Hart;
  readonly bus: PhysicalBus;
  readonly clock: GuestClock;
  readonly console: ConsoleIO;
  readonly clint: Clint;
  readonly firmware: BuiltinFirmware | null = null;
  readonly htif: Htif | null = null;
  readonly elf: ElfImage;
  readonly dtbAddress: number;
  readonly dtb: Uint8Array;
  /** The hypervisor, on a hypervisor run; null on bare and firmware runs. */
  readonly host: HostSoftware | null;
  outcome: RunOutcome | null = null;
  private sink: EventSink | null = null;

  constructor(config: MachineConfig) {
    this.host = config.host ?? null;
    const memSize = this.host !== null ? this.host.hostMemSize : (config.memSize ?? DEFAULT_MEM_SIZE);
    if (!Number.isInteger(memSize) || memSize < 1024 * 1024 || memSize > MAX_MEM_SIZE || memSize % 4096 !== 0)
      throw new MachineError(`memory size must be a multiple of 4 KiB between 1 MiB and ${MAX_MEM_SIZE / 1024 / 1024} MiB`);
    const ram = new Ram(RAM_BASE, memSize);
    this.bus = new PhysicalBus(ram);
    this.clock = new GuestClock(config.nsPerInsn ?? 1);
    this.console = config.console;
    this.hart = new Hart(this.bus, this);
    this.clint = new Clint(this, () => this.hart.interruptsChanged());
    this.bus.addDevice(FINISHER_BASE, FINISHER_SIZE, new TestFinisher(this));
    this.bus.addDevice(CLINT_BASE, CLINT_SIZE, this.clint);
    this.bus.addDevice(UART_BASE, UART_SIZE, new Ns16550a(this));

    if (this.host !== null) {
      // Hypervisor run: the host software fills host RAM and puts the hart in a guest.
      this.elf = NO_ELF;
      this.dtb = new Uint8Array(0);
      this.dtbAddress = RAM_BASE;
      this.hart.reset(RAM_BASE);
      this.host.attach(this);
      return;
    }

    const firmware = config.firmware ?? { kind: 'none' };
    this.elf = this.load(config.image, config.imagePath ?? 'the ELF');
    let fwElf: ElfImage | null = null;
    if (firmware.kind === 'elf') fwElf = this.load(firmware.image, firmware.path, this.elf);

    this.dtb = buildDeviceTree({
      memBase: RAM_BASE,
      memSize,
      harts: 1,
      isa: 'rv32ima_zicsr_zifencei',
      mmuType: 'riscv,sv32',
      timebaseFrequency: 10_000_000,
      uart: { base: UART_BASE, size: UART_SIZE, clockFrequency: 3686400 },
      clint: { base: CLINT_BASE, size: CLINT_SIZE },
      finisher: { base: FINISHER_BASE, size: FINISHER_SIZE },
      bootargs: config.bootargs ?? '',
    });
    this.dtbAddress = this.placeDeviceTree([this.elf, ...(fwElf ? [fwElf] : [])]);
    ram.u8.set(this.dtb, this.dtbAddress - RAM_BASE);

    const tohost = this.elf.symbol('tohost');
    if (tohost !== undefined) {
      if (!ram.contains(tohost, 8)) throw new MachineError(`the ELF's tohost symbol (0x${tohost.toString(16)}) is not in RAM`);
      const fromhost = this.elf.symbol('fromhost');
      this.htif = new Htif(this, tohost, fromhost !== undefined && ram.contains(fromhost, 8) ? fromhost : undefined, (pa, v) =>
        this.hostWrite(pa, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff), 'htif'),
      );
      this.hart.storeWatch[(tohost - RAM_BASE) >>> 12] = 1;
      this.hart.storeWatch[(tohost + 7 - RAM_BASE) >>> 12] = 1;
    }

    this.hart.reset(RAM_BASE);
    const x = this.hart.x;
    if (firmware.kind === 'builtin') {
      this.firmware = new BuiltinFirmware(
        this,
        () => this.hart.interruptsChanged(),
        (pa, bytes) => this.hostWrite(pa, bytes, 'sbi'),
        (eid, fid, args, error, value) => {
          const sink = this.sink;
          if (sink !== null && sink.wantsEvents) sink.emit({ type: 'sbi', icount: this.hart.icount, eid, fid, args, error, value });
        },
      );
      this.firmware.enterKernel(this.hart, this.elf.entry, this.dtbAddress);
    } else {
      // Bare ELF or firmware ELF: M-mode at the entry, a0 = hart id, a1 = device tree.
      this.hart.pc = (fwElf ?? this.elf).entry | 0;
      x[10] = 0;
      x[11] = this.dtbAddress;
    }
  }

  private load(bytes: Uint8Array, path: string, other?: ElfImage): ElfImage {
    let elf: ElfImage;
    try {
      elf = parseElf(bytes);
      checkSegmentsFit(elf, RAM_BASE, this.bus.ram.size);
    } catch (e) {
      if (e instanceof ElfError) throw new MachineError(`${path}: ${e.message}`);
      throw e;
    }
    if (other) {
      for (const a of elf.segments)
        for (const b of other.segments)
          if (a.paddr < b.paddr + b.memsz && b.paddr < a.paddr + a.memsz)
            throw new MachineError(`${path}: segment at 0x${a.paddr.toString(16)} overlaps the kernel's segment at 0x${b.paddr.toString(16)}`);
    }
    const ram = this.bus.ram;
    for (const seg of elf.segments) {
      const off = seg.paddr - ram.base;
      ram.u8.fill(0, off, off + seg.memsz);
      ram.u8.set(seg.data, off);
    }
    return elf;
  }

  /** Where QEMU puts it: the top of RAM, aligned down to 2 MiB, unless an image is there. */
  private placeDeviceTree(images: ElfImage[]): number {
    const end = RAM_BASE + this.bus.ram.size;
    const size = this.dtb.length;
    const candidates = [Math.floor((end - size) / 0x200000) * 0x200000, Math.floor((end - size) / 8) * 8];
    for (const at of candidates) {
      if (at < RAM_BASE) continue;
      const clash = images.some((img) => img.segments.some((s) => at < s.paddr + s.memsz && s.paddr < at + size));
      if (!clash) return at;
    }
    throw new MachineError('no room for the device tree at the top of RAM: the images fill it (raise --mem)');
  }

  /** A write into guest memory by the host (HTIF, SBI console reads): an event, since no store explains it. */
  hostWrite(pa: number, bytes: Uint8Array, source: string): void {
    const ram = this.bus.ram;
    if (!ram.contains(pa, bytes.length)) return;
    ram.u8.set(bytes, pa - ram.base);
    for (let p = (pa - ram.base) >>> 12; p <= (pa - ram.base + bytes.length - 1) >>> 12; p++) ram.dirty[p] = 1;
    this.hart.invalidateCode(pa, bytes.length);
    const sink = this.sink;
    if (sink !== null && sink.wantsEvents) sink.emit({ type: 'hostwrite', icount: this.hart.icount, addr: pa, bytes: bytes.slice(), source });
  }

  attachSink(sink: EventSink | null): void {
    if (this.host !== null) sink = this.host.wrapSink(sink);
    this.sink = sink;
    this.hart.attachSink(sink);
    this.bus.observer =
      sink === null
        ? null
        : (op, addr, size, value, device) => sink.emit({ type: 'mmio', icount: this.hart.icount, op, addr, size, value, device: device.name });
  }

  finish(outcome: RunOutcome): void {
    if (this.outcome === null) this.outcome = outcome;
    this.hart.requestStop();
  }

  /**
   * Runs until the guest ends the run or `budget` more instruction attempts are used.
   * Returns the outcome, or null when the budget ran out first (call again to go on).
   */
  run(budget: number): RunOutcome | null {
    while (this.outcome === null && budget > 0) {
      const before = this.hart.attempts;
      const stop = this.hart.run(budget);
      budget -= this.hart.attempts - before;
      if (stop === STOP_IDLE && this.outcome === null)
        this.outcome = { kind: 'idle', message: 'the guest waits for an interrupt (WFI) that nothing can raise: no timer is armed' };
      if (this.host !== null && this.outcome === null && (stop === STOP_VM_EXIT || stop === STOP_HALT)) this.host.handleExit();
      if (stop === STOP_BUDGET) break;
    }
    return this.outcome;
  }

  // --------------------------------------------------------------- HartHost

  readTime(icount: number): number {
    return this.clock.mtime(icount);
  }

  sync(hart: Hart): number {
    const clock = this.clock;
    const now = clock.mtime(hart.icount);
    const mtip = now >= this.clint.mtimecmp;
    if (((hart.csr[CSR.mip] >>> IRQ_MTI) & 1) !== (mtip ? 1 : 0)) hart.setPending(IRQ_MTI, mtip);
    let deadline = mtip || !this.clint.armed ? Infinity : clock.icountAt(this.clint.mtimecmp);
    const fw = this.firmware;
    if (fw !== null && fw.stimecmp !== Infinity) {
      if (now >= fw.stimecmp) {
        fw.stimecmp = Infinity;
        hart.setPending(IRQ_STI, true);
      } else deadline = Math.min(deadline, clock.icountAt(fw.stimecmp));
    }
    return deadline;
  }

  idle(hart: Hart): boolean {
    // WFI wakes on any pending interrupt (see Hart), so the next armed timer ends the wait.
    let deadline = this.clint.armed ? this.clock.icountAt(this.clint.mtimecmp) : Infinity;
    const fw = this.firmware;
    if (fw !== null && fw.stimecmp !== Infinity) deadline = Math.min(deadline, this.clock.icountAt(fw.stimecmp));
    if (deadline === Infinity) return false;
    this.clock.skipTo(hart.icount, deadline);
    return true;
  }

  trapToM(hart: Hart, cause: number, interrupt: boolean, tval: number): boolean {
    return this.firmware !== null && this.firmware.trap(hart, cause, interrupt, tval);
  }

  /** Native HS code (test programs, guest kernels on bare runs) handles traps into HS. */
  trapToHS(_hart: Hart, _cause: number, _interrupt: boolean): boolean {
    return false;
  }

  watchedStore(pa: number, size: number): void {
    this.htif?.store(pa, size);
  }

  /** Figures for --stats: instructions retired and traps by cause. */
  trapStats(): { exceptions: Record<string, number>; interrupts: Record<string, number> } {
    const exceptions: Record<string, number> = {};
    const interrupts: Record<string, number> = {};
    this.hart.exceptionCounts.forEach((n, cause) => {
      if (n > 0) exceptions[causeName(cause, false)] = n;
    });
    this.hart.interruptCounts.forEach((n, cause) => {
      if (n > 0) interrupts[causeName(cause, true)] = n;
    });
    return { exceptions, interrupts };
  }
}
