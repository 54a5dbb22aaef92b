import {
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  PhysicalBus,
  Tlb,
  TLB_MASK,
  WALK_ACCESS_FAULT,
  WALK_GUEST_PAGE_FAULT,
  WALK_PAGE_FAULT,
  GPF_EXPLICIT,
  GPF_IMPLICIT_READ,
  guestWalkContext,
  walkSv32,
  walkTwoStage,
  type AccessType,
  type WalkContext,
} from '@hvrr/mmu';
import { InsnColumns, INSN_HAS_STORE, type EventSink, type TrapEvent } from '@hvrr/events';
import { Counter64 } from './counter64.js';
import { CodeCache } from './code-cache.js';
import * as MulDivOps from './muldiv.js';
import { CSR } from './csr-numbers.js';
import { effectiveMideleg, effectiveMip, type CsrHart } from './csr-file.js';
import { STOP_BUDGET, STOP_HALT, STOP_VM_EXIT, type StopReason } from './stop-reason.js';
import { executeSystem, returnFromHS } from './system-instructions.js';
import type { HartHost } from './hart-host.js';
import { transformedInstruction } from './trap-instruction.js';
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from './muldiv.js';
import {
  EXC_ILLEGAL,
  EXC_INSN_GUEST_PAGE_FAULT,
  EXC_LOAD_GUEST_PAGE_FAULT,
  EXC_STORE_GUEST_PAGE_FAULT,
  HSTATUS_GVA,
  HSTATUS_SPV,
  HSTATUS_SPVP,
  MSTATUSH_GVA,
  MSTATUSH_MPV,
  EXC_INSN_ACCESS,
  EXC_INSN_MISALIGNED,
  EXC_INSN_PAGE_FAULT,
  EXC_LOAD_ACCESS,
  EXC_LOAD_MISALIGNED,
  EXC_LOAD_PAGE_FAULT,
  EXC_STORE_ACCESS,
  EXC_STORE_MISALIGNED,
  EXC_STORE_PAGE_FAULT,
  MSTATUS_MIE,
  MSTATUS_MPIE,
  MSTATUS_MPP,
  MSTATUS_MPRV,
  MSTATUS_MXR,
  MSTATUS_SIE,
  MSTATUS_SPIE,
  MSTATUS_SPP,
  MSTATUS_SUM,
  PRIV_M,
  PRIV_S,
  PRIV_U,
} from './privilege.js';

/** Instructions interpreted at a time when the code there is not yet worth translating. */
const COLD_RUN = 16;

export { STOP_BUDGET, STOP_HALT, STOP_IDLE, STOP_VM_EXIT, type StopReason } from './stop-reason.js';

/**
 * Interrupt priority of the privileged spec with the H extension: MEI, MSI, MTI, SEI,
 * SSI, STI, SGEI, VSEI, VSSI, VSTI.
 */
const IRQ_PRIORITY = [11, 3, 7, 9, 1, 5, 12, 10, 2, 6];

/** Exception causes whose tval is an address (GVA says whether it is a guest virtual one). */
const ADDRESS_CAUSES = (1 << 0) | (1 << 1) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 12) | (1 << 13) | (1 << 15) | (1 << 20) | (1 << 21) | (1 << 23);

/** Fault causes by access type (fetch, load, store): page, guest-page, access. */
const PAGE_FAULT_CAUSE = [EXC_INSN_PAGE_FAULT, EXC_LOAD_PAGE_FAULT, EXC_STORE_PAGE_FAULT];
const GUEST_PAGE_FAULT_CAUSE = [EXC_INSN_GUEST_PAGE_FAULT, EXC_LOAD_GUEST_PAGE_FAULT, EXC_STORE_GUEST_PAGE_FAULT];
const ACCESS_FAULT_CAUSE = [EXC_INSN_ACCESS, EXC_LOAD_ACCESS, EXC_STORE_ACCESS];

/** htinst/mtinst pseudoinstructions for faults of implicit VS-stage accesses (RV32). */
const TINST_VS_PTE_READ = 0x00002000;
const TINST_VS_PTE_WRITE = 0x00002020;

/** Where takeTrap sends a trap: M, HS (priv S, V=0) or VS (priv S, V=1). */
const TO_HS = PRIV_S;
const TO_VS = 2;

/** Valid AMO funct5 values (bit set): add 0, swap 1, sc 3, xor 4, or 8, and 12, min 16, max 20, minu 24, maxu 28. */
const AMO_FUNCT5 = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 8) | (1 << 12) | (1 << 16) | (1 << 20) | (1 << 24) | (1 << 28);


/**
 * One RV32IMA hart with M, S and U modes, Sv32, and the H extension (V=1 modes VS and
 * VU, two-stage translation Sv32 over Sv32x4). All architectural state lives in typed
 * arrays and plain number fields (priv, virt, pc) so a snapshot is a copy. `run(n)`
 * executes up to n instructions; between slices it checks interrupts and timers, never
 * inside one.
 *
 * The hot loop (execute) decodes each instruction from RAM as it runs: RAM is read
 * directly through per-access-type TLBs, so self-modifying code needs no invalidation.
 * The TLBs map a virtual page of the current context (with V=1: a guest virtual page,
 * through both stages) to a RAM page; every change of context flushes them.
 */
export class Hart implements CsrHart {
  /** x0..x31; x[0] is forced to zero before every instruction. */
  readonly x = new Int32Array(32);
  pc = 0;
  priv: number = PRIV_M;
  /** The virtualization mode V of the H extension: 1 in VS/VU-mode (priv 1/0), else 0. */
  virt = 0;
  /** CSR storage, indexed by CSR address; rules in csr-file.ts decide what a value means. */
  readonly csr = new Int32Array(4096);
  /** Retired instructions (minstret's definition): the key of every event. */
  icount = 0;
  /** Every instruction attempted, trapping ones included (the --max-insns budget). */
  attempts = 0;
  readonly mcycle = new Counter64();
  readonly minstret = new Counter64();

  readonly bus: PhysicalBus;
  host: HartHost;
  readonly fetchTlb = new Tlb();
  readonly loadTlb = new Tlb();
  readonly storeTlb = new Tlb();
  /** Per RAM page: 1 when stores to it must take the slow path (watched by the host). */
  readonly storeWatch: Uint8Array;

  /** Translated blocks of guest code (block-compiler.ts), and their instruction-logging twins. */
  readonly code: CodeCache;
  readonly loggedCode: CodeCache;
  /** Whether to run translated blocks (off: interpret everything; tests compare the two). */
  blocksEnabled = true;
  /** Attempts made by the block that just ran (set by generated code when it exits early). */
  blockDone = 0;

  /** LR/SC reservation (a virtual address, as QEMU keeps it). */
  resValid = false;
  resAddr = 0;

  /** Synchronous exception raised by the instruction being executed. */
  /** @internal */
  excPending = false;
  private excCause = 0;
  private excTval = 0;
  /** The pending exception's tval is a guest virtual address (hstatus/mstatush.GVA). */
  /** @internal */
  excGva = false;
  /** The pending exception's htval/mtval2: a guest-physical address >> 2, or 0. */
  private excTval2 = 0;
  /** For a guest-page fault: GPF_EXPLICIT or the implicit VS-stage access that faulted. */
  private excGpfKind = GPF_EXPLICIT;
  /** V of the last translation (MPRV with MPV, HLV/HSV translate as V=1 from V=0). */
  /** @internal */
  xlateVirt = 0;
  /**
   * The raw instruction that took the last synchronous trap into HS- or M-mode (0 when it
   * could not be fetched, or for an interrupt): what a hypervisor emulates on a VM exit.
   */
  trapInsn = 0;
  /** pc of that instruction (the trap's epc). */
  trapEpc = 0;
  /** Set when the current slice must end after this instruction (CSR side effects, device writes). */
  /** @internal */
  sliceBreak = false;
  /** @internal */
  stopReason = -1;

  /** Exceptions and interrupts taken, by cause (for --stats). */
  readonly exceptionCounts = new Float64Array(32);
  readonly interruptCounts = new Float64Array(16);

  sink: EventSink | null = null;
  /** @internal */
  insnLog: InsnColumns | null = null;
  /** @internal (generated blocks read it at the full level) */
  lastStoreAddr = 0;
  /** @internal (generated blocks read it at the full level) */
  lastStoreValue = 0;
  /** @internal (generated blocks read it at the full level) */
  lastStoreSize = 0;

  private readonly walkCtx: WalkContext = { priv: 0, sum: false, mxr: false };
  private readonly guestCtx = guestWalkContext();

  constructor(bus: PhysicalBus, host: HartHost) {
    this.bus = bus;
    this.host = host;
    this.storeWatch = new Uint8Array(bus.ram.size >>> 12);
    this.code = new CodeCache(bus.ram.size);
    this.loggedCode = new CodeCache(bus.ram.size, true);
    this.code.onNewCodePage = this.loggedCode.onNewCodePage = (page) => {
      // Stores to a page with translated code must take the slow path from now on.
      const tag = this.storeTlb.tag;
      const off = this.storeTlb.off;
      for (let i = 0; i < tag.length; i++) if (tag[i] !== -1 && off[i] >>> 12 === page) tag[i] = -1;
    };
  }

  /**
   * Starts a new dirty-page epoch: clears Ram.dirty and flushes the store TLB, so the
   * next store to each page goes through the slow path and marks it again.
   */
  clearDirtyPages(): void {
    this.bus.ram.dirty.fill(0);
    this.storeTlb.flush();
  }

  /** The host wrote guest RAM behind the hart's back: drop translations of it. */
  invalidateCode(pa: number, length: number): void {
    const off = pa - this.bus.ram.base;
    if (off >= 0 && off < this.bus.ram.size && length > 0) {
      this.code.invalidateRange(off, length);
      this.loggedCode.invalidateRange(off, length);
    }
  }

  // ---------------------------------------------------------------- public API

  /** Attach (or detach with null) an event sink. */
  attachSink(sink: EventSink | null): void {
    this.flushInsnLog();
    this.sink = sink;
    this.insnLog = sink !== null && sink.wantsInstructions ? new InsnColumns() : null;
    if (this.insnLog !== null) this.insnLog.reset(this.icount);
    // While instructions are logged every store goes through the slow path, which
    // records its address and value; loads stay fast.
    this.storeTlb.flush();
  }

  /** Hands any buffered retired instructions to the sink. */
  flushInsnLog(): void {
    const log = this.insnLog;
    if (log !== null && this.sink !== null && log.count > 0) {
      this.sink.instructions(log);
      log.reset(this.icount);
    }
  }

  /** Asks run() to return STOP_HALT before the next instruction. */
  requestStop(): void {
    this.stopReason = STOP_HALT;
    this.sliceBreak = true;
  }

  /** Sets or clears an interrupt-pending bit driven by a device (MTIP, MSIP, MEIP, STIP...). */
  setPending(irq: number, level: boolean): void {
    const bit = 1 << irq;
    const old = this.csr[CSR.mip];
    const next = level ? old | bit : old & ~bit;
    if (next !== old) {
      this.csr[CSR.mip] = next;
      this.sliceBreak = true;
      const sink = this.sink;
      if (sink !== null && sink.wantsEvents) sink.emit({ type: 'irq', icount: this.icount, irq, action: level ? 'raised' : 'cleared' });
    }
  }

  /** Resets to the state of a hart coming out of reset in M-mode at `pc`. */
  reset(pc: number, hartId = 0): void {
    this.x.fill(0);
    this.csr.fill(0);
    this.csr[CSR.mhartid] = hartId;
    this.pc = pc | 0;
    this.priv = PRIV_M;
    this.virt = 0;
    this.resValid = false;
    this.contextChanged();
  }

  /**
   * Runs up to `budget` instruction attempts. Returns why it stopped: the budget ran
   * out, the host asked to halt, or WFI waits for something that can never come.
   */
  run(budget: number): StopReason {
    let left = budget;
    for (;;) {
      if (this.stopReason >= 0) {
        const r = this.stopReason as StopReason;
        this.stopReason = -1;
        this.flushInsnLog();
        return r;
      }
      if (left <= 0) {
        this.flushInsnLog();
        return STOP_BUDGET;
      }
      const deadline = this.host.sync(this);
      const irq = this.pendingInterrupt();
      if (irq >= 0) {
        this.takeTrap(irq, true, 0);
        continue;
      }
      let slice = left;
      const untilDeadline = deadline - this.icount;
      if (untilDeadline < slice) slice = untilDeadline > 1 ? untilDeadline : 1;
      left -= this.blocksEnabled ? this.executeBlocks(slice) : this.execute(slice);
    }
  }

  /**
   * The interrupt that would be taken now, or -1 (privileged spec 3.1.9 and the H
   * chapter): M-level interrupts when below M or MIE; HS-level (delegated by mideleg,
   * not by hideleg) when V=1, in U, or in HS with SIE; VS-level (delegated by both)
   * only when V=1, in VU or in VS with vsstatus.SIE.
   */
  pendingInterrupt(): number {
    const csr = this.csr;
    const pending = effectiveMip(csr) & csr[CSR.mie];
    if (pending === 0) return -1;
    const mstatus = csr[CSR.mstatus];
    const deleg = effectiveMideleg(csr);
    const priv = this.priv;
    let candidates = priv < PRIV_M || (mstatus & MSTATUS_MIE) !== 0 ? pending & ~deleg : 0;
    if (candidates === 0) {
      const hdeleg = deleg & csr[CSR.hideleg];
      const virt = this.virt === 1;
      const sEnabled = virt || priv < PRIV_S || (priv === PRIV_S && (mstatus & MSTATUS_SIE) !== 0);
      candidates = sEnabled ? pending & deleg & ~hdeleg : 0;
      if (candidates === 0) {
        const vsEnabled = virt && (priv === PRIV_U || (csr[CSR.vsstatus] & MSTATUS_SIE) !== 0);
        candidates = vsEnabled ? pending & hdeleg : 0;
        if (candidates === 0) return -1;
      }
    }
    for (let i = 0; i < IRQ_PRIORITY.length; i++) {
      const irq = IRQ_PRIORITY[i];
      if ((candidates & (1 << irq)) !== 0) return irq;
    }
    return -1;
  }

  // ------------------------------------------------------------ CsrHart seam

  get currentIcount(): number {
    return this.icount;
  }

  readTime(): number {
    return this.host.readTime(this.icount);
  }

  contextChanged(): void {
    this.fetchTlb.flush();
    this.loadTlb.flush();
    this.storeTlb.flush();
    this.sliceBreak = true;
  }

  interruptsChanged(): void {
    this.sliceBreak = true;
  }

  // ------------------------------------------------------------ the hot loops

  /**
   * Runs translated blocks for up to `slice` attempts. A block runs only when it fits
   * in what is left of the slice, so slices end at exact instruction counts (timer
   * deadlines, budgets) whatever the blocks look like; the interpreter takes the rest,
   * and every instruction that blocks do not translate (SYSTEM, AMO, illegal).
   */
  private executeBlocks(slice: number): number {
    const start = this.attempts;
    const log = this.insnLog;
    const code = log === null ? this.code : this.loggedCode;
    const x = this.x;
    const ram = this.bus.ram;
    const r32 = ram.i32;
    const r16 = ram.i16;
    const ru16 = ram.u16;
    const r8 = ram.i8;
    const ru8 = ram.u8;
    const ftag = this.fetchTlb.tag;
    const foff = this.fetchTlb.off;
    const ltag = this.loadTlb.tag;
    const loff = this.loadTlb.off;
    const stag = this.storeTlb.tag;
    const soff = this.storeTlb.off;
    this.sliceBreak = false;
    for (;;) {
      const done = this.attempts - start;
      if (done >= slice) break;
      const pc = this.pc;
      const vpn = pc >>> 12;
      const i = vpn & TLB_MASK;
      let id = -1;
      if (ftag[i] === vpn) {
        const off = foff[i] + (pc & 0xfff);
        const table = code.pages[off >>> 12];
        id = table === undefined ? 0 : table[(off & 0xfff) >>> 2];
        if (id > 0 && code.pcs[id] !== pc) id = 0;
        if (id === 0) {
          if (!code.isHot(off)) {
            this.execute(slice - done < COLD_RUN ? slice - done : COLD_RUN);
            if (this.sliceBreak) break;
            continue;
          }
          id = code.compile(r32, off, pc);
        }
      }
      if (id < 0 || code.lens[id] > slice - done) {
        // Untranslatable here, a TLB miss, or too long for what is left: interpret.
        this.execute(id < 0 ? 1 : slice - done);
        if (this.sliceBreak) break;
        continue;
      }
      // Slow paths inside the block set icount to the instruction they serve (events
      // are stamped with it); the block's own count is settled from the entry value.
      const icount = this.icount;
      const length = code.lens[id];
      if (log !== null && log.count + length > log.capacity) {
        // Room for every row the block may write.
        this.sink!.instructions(log);
        log.reset(log.firstIcount + log.count);
      }
      this.blockDone = length;
      const next = code.fns[id](this, x, r32, r16, ru16, r8, ru8, ltag, loff, stag, soff, MulDivOps, log);
      const k = this.blockDone;
      this.attempts += k;
      this.pc = next;
      if (this.excPending) {
        this.excPending = false;
        this.icount = icount + k - 1;
        this.takeTrap(this.excCause, false, this.excTval);
        break;
      }
      this.icount = icount + k;
      if (this.sliceBreak) break;
    }
    return this.attempts - start;
  }

  /** Executes up to `slice` attempts; returns how many were made. */
  private execute(slice: number): number {
    const x = this.x;
    const ram = this.bus.ram;
    const r32 = ram.i32;
    const r16 = ram.i16;
    const ru16 = ram.u16;
    const r8 = ram.i8;
    const ru8 = ram.u8;
    const ftag = this.fetchTlb.tag;
    const foff = this.fetchTlb.off;
    const ltag = this.loadTlb.tag;
    const loff = this.loadTlb.off;
    const stag = this.storeTlb.tag;
    const soff = this.storeTlb.off;
    const log = this.insnLog;
    const icBase = this.icount;
    let pc = this.pc;
    let n = 0;
    let fpage = -1;
    let fbase = 0;
    this.sliceBreak = false;

    main: while (n < slice) {
      x[0] = 0;
      if (pc >>> 12 !== fpage) {
        const vpn = pc >>> 12;
        const i = vpn & TLB_MASK;
        if (ftag[i] !== vpn) {
          this.icount = icBase + n;
          if (!this.fillFetch(pc)) {
            n++;
            break;
          }
        }
        fpage = vpn;
        fbase = foff[i];
      }
      const inst = r32[(fbase + (pc & 0xfff)) >>> 2];
      const ipc = pc;
      n++;
      const rd = (inst >> 7) & 31;
      if ((inst & 3) !== 3) {
        this.raise(EXC_ILLEGAL, inst);
        break;
      }
      // Dense case values over opcode[6:2] let V8 build a jump table.
      switch ((inst >>> 2) & 31) {
        case 13: // LUI
          x[rd] = inst & 0xfffff000;
          pc = (pc + 4) | 0;
          break;
        case 5: // AUIPC
          x[rd] = (pc + (inst & 0xfffff000)) | 0;
          pc = (pc + 4) | 0;
          break;
        case 27: {
          // JAL
          const imm = ((inst >> 31) << 20) | (inst & 0xff000) | (((inst >> 20) & 1) << 11) | (((inst >> 21) & 0x3ff) << 1);
          const target = (pc + imm) | 0;
          if ((target & 3) !== 0) {
            this.raise(EXC_INSN_MISALIGNED, target);
            break main;
          }
          x[rd] = (pc + 4) | 0;
          pc = target;
          break;
        }
        case 25: {
          // JALR
          if ((inst & 0x7000) !== 0) {
            this.raise(EXC_ILLEGAL, inst);
            break main;
          }
          const target = (x[(inst >> 15) & 31] + (inst >> 20)) & ~1;
          if ((target & 2) !== 0) {
            this.raise(EXC_INSN_MISALIGNED, target);
            break main;
          }
          x[rd] = (pc + 4) | 0;
          pc = target;
          break;
        }
        case 24: {
          // BRANCH
          const a = x[(inst >> 15) & 31];
          const b = x[(inst >> 20) & 31];
          let taken: boolean;
          switch ((inst >> 12) & 7) {
            case 0: taken = a === b; break;
            case 1: taken = a !== b; break;
            case 4: taken = a < b; break;
            case 5: taken = a >= b; break;
            case 6: taken = a >>> 0 < b >>> 0; break;
            case 7: taken = a >>> 0 >= b >>> 0; break;
            default:
              this.raise(EXC_ILLEGAL, inst);
              break main;
          }
          if (taken) {
            const imm = ((inst >> 31) << 12) | (((inst >> 7) & 1) << 11) | (((inst >> 25) & 0x3f) << 5) | (((inst >> 8) & 0xf) << 1);
            const target = (pc + imm) | 0;
            if ((target & 3) !== 0) {
              this.raise(EXC_INSN_MISALIGNED, target);
              break main;
            }
            pc = target;
          } else pc = (pc + 4) | 0;
          break;
        }
        case 0: {
          // LOAD
          const va = (x[(inst >> 15) & 31] + (inst >> 20)) | 0;
          const vpn = va >>> 12;
          const i = vpn & TLB_MASK;
          const hit = ltag[i] === vpn;
          const off = loff[i] + (va & 0xfff);
          let v: number;
          switch ((inst >> 12) & 7) {
            case 0: v = hit ? r8[off] : this.loadSlow(va, 1, true, icBase + n - 1); break;
            case 1: v = hit && (va & 1) === 0 ? r16[off >> 1] : this.loadSlow(va, 2, true, icBase + n - 1); break;
            case 2: v = hit && (va & 3) === 0 ? r32[off >> 2] : this.loadSlow(va, 4, true, icBase + n - 1); break;
            case 4: v = hit ? ru8[off] : this.loadSlow(va, 1, false, icBase + n - 1); break;
            case 5: v = hit && (va & 1) === 0 ? ru16[off >> 1] : this.loadSlow(va, 2, false, icBase + n - 1); break;
            default:
              this.raise(EXC_ILLEGAL, inst);
              break main;
          }
          if (this.excPending) break main;
          x[rd] = v;
          pc = (pc + 4) | 0;
          if (this.sliceBreak) {
            // A device access ended the slice: the instruction still retired.
            if (log !== null) this.logRetired(log, ipc, inst);
            break main;
          }
          break;
        }
        case 8: {
          // STORE
          const va = (x[(inst >> 15) & 31] + (((inst >> 25) << 5) | rd)) | 0;
          const v = x[(inst >> 20) & 31];
          const vpn = va >>> 12;
          const i = vpn & TLB_MASK;
          const hit = stag[i] === vpn;
          const off = soff[i] + (va & 0xfff);
          switch ((inst >> 12) & 7) {
            case 0:
              if (hit) r8[off] = v;
              else this.storeSlow(va, 1, v, icBase + n - 1);
              break;
            case 1:
              if (hit && (va & 1) === 0) r16[off >> 1] = v;
              else this.storeSlow(va, 2, v, icBase + n - 1);
              break;
            case 2:
              if (hit && (va & 3) === 0) r32[off >> 2] = v;
              else this.storeSlow(va, 4, v, icBase + n - 1);
              break;
            default:
              this.raise(EXC_ILLEGAL, inst);
              break main;
          }
          if (this.excPending) break main;
          pc = (pc + 4) | 0;
          if (this.sliceBreak) {
            // A device access ended the slice: the instruction still retired.
            if (log !== null) this.logRetired(log, ipc, inst);
            break main;
          }
          break;
        }
        case 4: {
          // OP-IMM
          const a = x[(inst >> 15) & 31];
          const imm = inst >> 20;
          switch ((inst >> 12) & 7) {
            case 0: x[rd] = (a + imm) | 0; break;
            case 2: x[rd] = a < imm ? 1 : 0; break;
            case 3: x[rd] = a >>> 0 < imm >>> 0 ? 1 : 0; break;
            case 4: x[rd] = a ^ imm; break;
            case 6: x[rd] = a | imm; break;
            case 7: x[rd] = a & imm; break;
            case 1:
              if (inst >>> 25 !== 0) {
                this.raise(EXC_ILLEGAL, inst);
                break main;
              }
              x[rd] = a << (imm & 31);
              break;
            default: {
              const f7 = inst >>> 25;
              if (f7 === 0) x[rd] = a >>> (imm & 31);
              else if (f7 === 0x20) x[rd] = a >> (imm & 31);
              else {
                this.raise(EXC_ILLEGAL, inst);
                break main;
              }
            }
          }
          pc = (pc + 4) | 0;
          break;
        }
        case 12: {
          // OP and M
          const a = x[(inst >> 15) & 31];
          const b = x[(inst >> 20) & 31];
          const f7 = inst >>> 25;
          const f3 = (inst >> 12) & 7;
          if (f7 === 0) {
            switch (f3) {
              case 0: x[rd] = (a + b) | 0; break;
              case 1: x[rd] = a << (b & 31); break;
              case 2: x[rd] = a < b ? 1 : 0; break;
              case 3: x[rd] = a >>> 0 < b >>> 0 ? 1 : 0; break;
              case 4: x[rd] = a ^ b; break;
              case 5: x[rd] = a >>> (b & 31); break;
              case 6: x[rd] = a | b; break;
              default: x[rd] = a & b; break;
            }
          } else if (f7 === 1) {
            switch (f3) {
              case 0: x[rd] = Math.imul(a, b); break;
              case 1: x[rd] = mulh(a, b); break;
              case 2: x[rd] = mulhsu(a, b); break;
              case 3: x[rd] = mulhu(a, b); break;
              case 4: x[rd] = div(a, b); break;
              case 5: x[rd] = divu(a, b); break;
              case 6: x[rd] = rem(a, b); break;
              default: x[rd] = remu(a, b); break;
            }
          } else if (f7 === 0x20 && f3 === 0) x[rd] = (a - b) | 0;
          else if (f7 === 0x20 && f3 === 5) x[rd] = a >> (b & 31);
          else {
            this.raise(EXC_ILLEGAL, inst);
            break main;
          }
          pc = (pc + 4) | 0;
          break;
        }
        case 3: {
          // MISC-MEM: FENCE (any fm/pred/succ) and FENCE.I are no-ops on one in-order
          // hart that decodes from RAM every time.
          const f3 = (inst >> 12) & 7;
          if (f3 > 1) {
            this.raise(EXC_ILLEGAL, inst);
            break main;
          }
          pc = (pc + 4) | 0;
          break;
        }
        case 28:
          // SYSTEM: CSRs, ECALL, EBREAK, xRET, WFI, SFENCE.VMA
          this.pc = pc;
          this.icount = icBase + n - 1;
          pc = executeSystem(this, inst, pc);
          if (this.excPending) break main;
          if (this.sliceBreak) {
            if (log !== null) this.logRetired(log, ipc, inst);
            break main;
          }
          break;
        case 11:
          // AMO
          this.icount = icBase + n - 1;
          this.executeAmo(inst, icBase + n - 1);
          if (this.excPending) break main;
          pc = (pc + 4) | 0;
          break;
        default:
          this.raise(EXC_ILLEGAL, inst);
          break main;
      }
      if (log !== null) this.logRetired(log, ipc, inst);
    }

    // Bookkeeping once per slice, not per instruction. x0 may hold the result of an
    // instruction with rd = 0 until the next one clears it: clear it now.
    x[0] = 0;
    this.attempts += n;
    if (this.excPending) {
      this.excPending = false;
      this.icount = icBase + n - 1;
      this.pc = pc;
      this.takeTrap(this.excCause, false, this.excTval);
    } else {
      this.icount = icBase + n;
      this.pc = pc;
    }
    return n;
  }

  private logRetired(log: InsnColumns, pc: number, inst: number): void {
    const row = log.count++;
    log.pc[row] = pc;
    log.raw[row] = inst;
    const field = (inst >> 7) & 31;
    log.rdValue[row] = field === 0 ? 0 : this.x[field];
    if (this.lastStoreSize !== 0) {
      log.storeAddr[row] = this.lastStoreAddr;
      log.storeValue[row] = this.lastStoreValue;
      log.flags[row] = INSN_HAS_STORE | (this.lastStoreSize << 1);
      this.lastStoreSize = 0;
    } else log.flags[row] = 0;
    if (log.count >= log.capacity) {
      this.sink!.instructions(log);
      log.reset(log.firstIcount + log.count);
    }
  }

  // --------------------------------------------------------- exceptions, traps

  /** @internal (generated blocks call it) */
  raise(cause: number, tval: number): void {
    this.excPending = true;
    this.excCause = cause;
    this.excTval = tval;
    this.excGva = this.virt === 1 && ((ADDRESS_CAUSES >>> cause) & 1) !== 0;
    this.excTval2 = 0;
    this.excGpfKind = GPF_EXPLICIT;
  }

  /**
   * Raises the fault a memory access at `va` met: `code` is what translate() returned
   * (or WALK_ACCESS_FAULT when nothing answered at the physical address). tval is a
   * guest virtual address when the access translated as V=1; a guest-page fault also
   * carries the faulting guest-physical address for htval/mtval2.
   */
  /** @internal */
  raiseMemFault(code: number, access: AccessType, va: number): void {
    const cause = code === WALK_PAGE_FAULT ? PAGE_FAULT_CAUSE[access] : code === WALK_GUEST_PAGE_FAULT ? GUEST_PAGE_FAULT_CAUSE[access] : ACCESS_FAULT_CAUSE[access];
    this.raise(cause, va);
    this.excGva = this.xlateVirt === 1;
    if (code === WALK_GUEST_PAGE_FAULT) {
      const g = this.guestCtx;
      // gpa >> 2 of a 34-bit gpa fits 32 bits: page number (22 bits) << 10, offset >> 2.
      this.excTval2 = (g.faultGpaPage << 10) | (g.faultGpaOffset >>> 2);
      this.excGpfKind = g.faultKind;
    }
  }

  /**
   * Enters the trap handler for an exception or interrupt (privileged spec 3.1.6-3.1.9,
   * 4.1.1 and the H chapter's "Trap Entry"): picks M, HS or VS by medeleg/mideleg and,
   * from V=1, hedeleg/hideleg; saves epc/cause/tval (and htval/htinst or
   * mtval2/mtinst, GVA, SPV/SPVP or MPV) and the interrupt-enable stack, and jumps to
   * the target's tvec. The host may take traps bound for M-mode itself (built-in
   * firmware) or, once taken, the traps into HS-mode (a hypervisor: a VM exit).
   */
  takeTrap(cause: number, interrupt: boolean, tval: number): void {
    const csr = this.csr;
    const from = this.priv;
    const fromVirt = this.virt;
    const epc = this.pc;
    if (interrupt) this.interruptCounts[cause]++;
    else this.exceptionCounts[cause]++;
    this.resValid = false;
    let to = PRIV_M;
    if (from <= PRIV_S) {
      const deleg = interrupt ? effectiveMideleg(csr) : csr[CSR.medeleg];
      if (((deleg >>> cause) & 1) !== 0) {
        to = TO_HS;
        const hdeleg = interrupt ? csr[CSR.hideleg] : csr[CSR.hedeleg];
        if (fromVirt === 1 && ((hdeleg >>> cause) & 1) !== 0) to = TO_VS;
      }
    }
    const gva = !interrupt && this.excGva;
    let tval2 = 0;
    let tinst = 0;
    if (!interrupt && to !== TO_VS) {
      tval2 = this.excTval2;
      this.trapEpc = epc;
      // A fetch fault has no instruction to show.
      const fetchFault = cause === EXC_INSN_ACCESS || cause === EXC_INSN_PAGE_FAULT || cause === EXC_INSN_GUEST_PAGE_FAULT;
      this.trapInsn = fetchFault ? 0 : this.instructionAt(epc);
      if (cause === EXC_LOAD_GUEST_PAGE_FAULT || cause === EXC_STORE_GUEST_PAGE_FAULT) {
        const kind = this.excGpfKind;
        tinst = kind === GPF_EXPLICIT ? transformedInstruction(this.trapInsn, this.x[(this.trapInsn >> 15) & 31], tval) : kind === GPF_IMPLICIT_READ ? TINST_VS_PTE_READ : TINST_VS_PTE_WRITE;
      } else if (cause === EXC_INSN_GUEST_PAGE_FAULT && this.excGpfKind !== GPF_EXPLICIT) {
        tinst = this.excGpfKind === GPF_IMPLICIT_READ ? TINST_VS_PTE_READ : TINST_VS_PTE_WRITE;
      }
    } else if (interrupt && to !== TO_VS) {
      this.trapInsn = 0;
      this.trapEpc = epc;
    }
    this.excGva = false;
    this.excTval2 = 0;
    this.excGpfKind = GPF_EXPLICIT;
    const sink = this.sink;
    const hInvolved = fromVirt === 1 || to === TO_VS;
    if (to === PRIV_M && this.host.trapToM(this, cause, interrupt, tval)) {
      if (sink !== null && sink.wantsEvents) {
        const ev: TrapEvent = { type: 'trap', icount: this.icount, cause, interrupt, tval, epc, from: from as 0 | 1 | 3, to: PRIV_M, handler: 'firmware' };
        if (hInvolved) {
          ev.fromVirt = fromVirt === 1;
          ev.toVirt = false;
        }
        sink.emit(ev);
      }
      return;
    }
    const mstatus = csr[CSR.mstatus];
    const causeValue = (interrupt ? 0x80000000 : 0) | cause;
    if (to === TO_VS) {
      // vsstatus takes the interrupt-enable stack; hstatus and sstatus stay as they are.
      const vs = csr[CSR.vsstatus];
      let s = vs & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP);
      if ((vs & MSTATUS_SIE) !== 0) s |= MSTATUS_SPIE;
      if (from === PRIV_S) s |= MSTATUS_SPP;
      csr[CSR.vsstatus] = s;
      // VS-level interrupts (2, 6, 10) reach VS-mode as their S-level codes (1, 5, 9).
      const vsCause = interrupt ? cause - 1 : cause;
      csr[CSR.vsepc] = epc;
      csr[CSR.vscause] = (interrupt ? 0x80000000 : 0) | vsCause;
      csr[CSR.vstval] = tval;
      this.priv = PRIV_S;
      const tvec = csr[CSR.vstvec];
      this.pc = (tvec & ~3) + (interrupt && (tvec & 3) === 1 ? 4 * vsCause : 0);
    } else if (to === TO_HS) {
      csr[CSR.sepc] = epc;
      csr[CSR.scause] = causeValue;
      csr[CSR.stval] = tval;
      csr[CSR.htval] = tval2;
      csr[CSR.htinst] = tinst;
      let h = csr[CSR.hstatus] & ~(HSTATUS_SPV | HSTATUS_GVA);
      if (fromVirt === 1) h = (h & ~HSTATUS_SPVP) | HSTATUS_SPV | (from === PRIV_S ? HSTATUS_SPVP : 0);
      if (gva) h |= HSTATUS_GVA;
      csr[CSR.hstatus] = h;
      let s = mstatus & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP);
      if ((mstatus & MSTATUS_SIE) !== 0) s |= MSTATUS_SPIE;
      if (from === PRIV_S) s |= MSTATUS_SPP;
      csr[CSR.mstatus] = s;
      this.priv = PRIV_S;
      this.virt = 0;
      const tvec = csr[CSR.stvec];
      this.pc = (tvec & ~3) + (interrupt && (tvec & 3) === 1 ? 4 * cause : 0);
    } else {
      csr[CSR.mepc] = epc;
      csr[CSR.mcause] = causeValue;
      csr[CSR.mtval] = tval;
      csr[CSR.mtval2] = tval2;
      csr[CSR.mtinst] = tinst;
      csr[CSR.mstatush] = (csr[CSR.mstatush] & ~(MSTATUSH_MPV | MSTATUSH_GVA)) | (fromVirt === 1 ? MSTATUSH_MPV : 0) | (gva ? MSTATUSH_GVA : 0);
      let s = mstatus & ~(MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP);
      if ((mstatus & MSTATUS_MIE) !== 0) s |= MSTATUS_MPIE;
      s |= from << 11;
      csr[CSR.mstatus] = s;
      this.priv = PRIV_M;
      this.virt = 0;
      const tvec = csr[CSR.mtvec];
      this.pc = (tvec & ~3) + (interrupt && (tvec & 3) === 1 ? 4 * cause : 0);
    }
    this.pc |= 0;
    this.contextChanged();
    // The host sees the trap once it is architecturally taken into HS-mode.
    const exit = to === TO_HS && this.host.trapToHS(this, cause, interrupt);
    if (exit) {
      this.stopReason = STOP_VM_EXIT;
      this.sliceBreak = true;
    }
    if (sink !== null && sink.wantsEvents) {
      if (interrupt) sink.emit({ type: 'irq', icount: this.icount, irq: cause, action: 'taken' });
      const ev: TrapEvent = { type: 'trap', icount: this.icount, cause, interrupt, tval, epc, from: from as 0 | 1 | 3, to: this.priv as 1 | 3, handler: exit ? 'hypervisor' : 'guest' };
      if (hInvolved) {
        ev.fromVirt = fromVirt === 1;
        ev.toVirt = to === TO_VS;
      }
      sink.emit(ev);
    }
  }

  /**
   * The instruction word at `pc` in the current translation context (the trapping
   * instruction, which was fetched a moment ago), or 0 when it cannot be read.
   */
  private instructionAt(pc: number): number {
    const vpn = pc >>> 12;
    const i = vpn & TLB_MASK;
    const ram = this.bus.ram;
    if (this.fetchTlb.tag[i] === vpn) return ram.i32[(this.fetchTlb.off[i] + (pc & 0xfff)) >>> 2];
    const pa = this.translate(pc, ACCESS_FETCH);
    const off = pa - ram.base;
    return pa >= 0 && off >= 0 && off < ram.size ? ram.i32[off >>> 2] : 0;
  }

  // ---------------------------------------------------------------- memory

  /**
   * Translates a virtual address for an access in the current context. Returns the
   * physical address (non-negative) or WALK_PAGE_FAULT / WALK_ACCESS_FAULT.
   */
  translate(va: number, access: AccessType): number {
    let priv = this.priv;
    let virt = this.virt;
    const mstatus = this.csr[CSR.mstatus];
    if (access !== ACCESS_FETCH && priv === PRIV_M && (mstatus & MSTATUS_MPRV) !== 0) {
      // MPRV: translate as MPP, and with the H extension as MPV (two-stage when MPV=1).
      priv = (mstatus & MSTATUS_MPP) >>> 11;
      if (priv !== PRIV_M && (this.csr[CSR.mstatush] & MSTATUSH_MPV) !== 0) virt = 1;
    }
    this.xlateVirt = virt;
    if (virt === 1) return this.translateGuest(va, access, priv, false);
    const satp = this.csr[CSR.satp];
    if (priv === PRIV_M || satp >= 0) return va >>> 0;
    const ctx = this.walkCtx;
    ctx.priv = priv;
    ctx.sum = (mstatus & MSTATUS_SUM) !== 0;
    ctx.mxr = (mstatus & MSTATUS_MXR) !== 0;
    return walkSv32(this.bus, satp, va >>> 0, access, ctx);
  }

  /**
   * Two-stage translation (V=1, or as V=1 for HLV/HSV and MPRV): `priv` is the nominal
   * privilege (VS or VU); vsstatus.SUM and MXR rule the VS stage, mstatus.MXR both.
   */
  /** @internal */
  translateGuest(va: number, access: AccessType, priv: number, hlvx: boolean): number {
    const csr = this.csr;
    const g = this.guestCtx;
    const vsstatus = csr[CSR.vsstatus];
    g.priv = priv;
    g.sum = (vsstatus & MSTATUS_SUM) !== 0;
    g.gMxr = (csr[CSR.mstatus] & MSTATUS_MXR) !== 0;
    g.vsMxr = g.gMxr || (vsstatus & MSTATUS_MXR) !== 0;
    g.hlvx = hlvx;
    return walkTwoStage(this.bus, csr[CSR.vsatp], csr[CSR.hgatp], va >>> 0, access, g);
  }

  private fillFetch(pc: number): boolean {
    const pa = this.translate(pc, ACCESS_FETCH);
    if (pa < 0) {
      this.raiseMemFault(pa, ACCESS_FETCH, pc);
      return false;
    }
    const off = pa - this.bus.ram.base;
    if (off < 0 || off >= this.bus.ram.size) {
      this.raiseMemFault(WALK_ACCESS_FAULT, ACCESS_FETCH, pc);
      return false;
    }
    this.fetchTlb.fill(pc >>> 12, off & ~0xfff);
    return true;
  }

  /** Loads through the page walk; raises on a fault (then the return value is meaningless). */
  /** @internal (generated blocks call it) */
  loadSlow(va: number, size: 1 | 2 | 4, signed: boolean, icount: number): number {
    this.icount = icount;
    let v: number;
    if ((va & (size - 1)) !== 0) {
      // Misaligned loads complete, byte by byte, as QEMU does.
      v = 0;
      // tval names the portion that faulted (the first byte whose access fails).
      for (let k = 0; k < size; k++) {
        const b = this.loadAligned((va + k) | 0, 1, (va + k) | 0);
        if (this.excPending) return 0;
        v |= b << (8 * k);
      }
    } else {
      v = this.loadAligned(va, size, va);
      if (this.excPending) return 0;
    }
    if (size === 4) return v | 0;
    if (size === 2) return signed ? (v << 16) >> 16 : v & 0xffff;
    return signed ? (v << 24) >> 24 : v & 0xff;
  }

  private loadAligned(va: number, size: 1 | 2 | 4, faultVa: number): number {
    const pa = this.translate(va, ACCESS_LOAD);
    if (pa < 0) {
      this.raiseMemFault(pa, ACCESS_LOAD, faultVa);
      return 0;
    }
    const ram = this.bus.ram;
    const off = pa - ram.base;
    if (off >= 0 && off < ram.size) {
      this.loadTlb.fill(va >>> 12, off & ~0xfff);
      return size === 4 ? ram.i32[off >>> 2] : size === 2 ? ram.u16[off >>> 1] : ram.u8[off];
    }
    const bus = this.bus;
    bus.fault = false;
    const v = bus.read(pa, size);
    if (bus.fault) {
      this.raiseMemFault(WALK_ACCESS_FAULT, ACCESS_LOAD, faultVa);
      return 0;
    }
    return v;
  }

  /** @internal (generated blocks call it) */
  storeSlow(va: number, size: 1 | 2 | 4, value: number, icount: number): void {
    this.icount = icount;
    if ((va & (size - 1)) !== 0) {
      // Misaligned stores complete byte by byte; both pages are checked first so a
      // fault on the second leaves memory untouched.
      // tval names the portion that faulted: the access's start, or the second page's
      // (whose translation then gives htval's guest-physical address).
      const pa0 = this.translate(va, ACCESS_STORE);
      if (pa0 < 0) {
        this.raiseMemFault(pa0, ACCESS_STORE, va);
        return;
      }
      const second = ((va + size - 1) & ~0xfff) | 0;
      const pa1 = this.translate(second, ACCESS_STORE);
      if (pa1 < 0) {
        this.raiseMemFault(pa1, ACCESS_STORE, second);
        return;
      }
      for (let k = 0; k < size; k++) {
        this.storeAligned((va + k) | 0, 1, value >>> (8 * k), va);
        if (this.excPending) return;
      }
    } else {
      this.storeAligned(va, size, value, va);
      if (this.excPending) return;
    }
    if (this.insnLog !== null) {
      this.lastStoreAddr = va;
      this.lastStoreValue = size === 4 ? value : size === 2 ? value & 0xffff : value & 0xff;
      this.lastStoreSize = size;
    }
  }

  private storeAligned(va: number, size: 1 | 2 | 4, value: number, faultVa: number): void {
    const pa = this.translate(va, ACCESS_STORE);
    if (pa < 0) {
      this.raiseMemFault(pa, ACCESS_STORE, faultVa);
      return;
    }
    this.storePhysical(pa, size, value, faultVa, va, true);
  }

  /**
   * Stores at a translated address: RAM (dirty pages, translated code, watched pages)
   * or a device. `fillTlb`: give `va`'s page a fast store-TLB entry when that is safe.
   */
  /** @internal */
  storePhysical(pa: number, size: 1 | 2 | 4, value: number, faultVa: number, va: number, fillTlb: boolean): void {
    const bus = this.bus;
    const ram = bus.ram;
    const off = pa - ram.base;
    if (off >= 0 && off < ram.size) {
      ram.dirty[off >>> 12] = 1;
      if (size === 4) ram.i32[off >>> 2] = value;
      else if (size === 2) ram.u16[off >>> 1] = value;
      else ram.u8[off] = value;
      const keepsCode = this.code.written(off, size);
      const keepsLoggedCode = this.loggedCode.written(off, size);
      if (this.storeWatch[off >>> 12] !== 0) this.host.watchedStore(pa, size);
      else if (fillTlb && !keepsCode && !keepsLoggedCode && this.insnLog === null) this.storeTlb.fill(va >>> 12, off & ~0xfff);
      return;
    }
    bus.fault = false;
    bus.write(pa, size, value);
    if (bus.fault) this.raiseMemFault(WALK_ACCESS_FAULT, ACCESS_STORE, faultVa);
    // A device write may raise an interrupt or stop the machine: end the slice.
    this.sliceBreak = true;
  }

  // ------------------------------------------------------------------ AMO

  private executeAmo(inst: number, icount: number): void {
    this.icount = icount;
    const x = this.x;
    const rd = (inst >> 7) & 31;
    const va = x[(inst >> 15) & 31];
    const src = x[(inst >> 20) & 31];
    const f5 = inst >>> 27;
    if (((inst >> 12) & 7) !== 2) return this.raise(EXC_ILLEGAL, inst);
    if (f5 === 2) {
      // LR.W
      if (((inst >> 20) & 31) !== 0) return this.raise(EXC_ILLEGAL, inst);
      if ((va & 3) !== 0) return this.raise(EXC_LOAD_MISALIGNED, va);
      const v = this.loadAligned(va, 4, va);
      if (this.excPending) return;
      this.resValid = true;
      this.resAddr = va;
      x[rd] = v;
      return;
    }
    if (((AMO_FUNCT5 >>> f5) & 1) === 0) return this.raise(EXC_ILLEGAL, inst);
    if ((va & 3) !== 0) return this.raise(EXC_STORE_MISALIGNED, va);
    if (f5 === 3) {
      // SC.W: fails without touching memory when the reservation is gone.
      const ok = this.resValid && this.resAddr === va;
      this.resValid = false;
      if (ok) {
        this.storeSlow(va, 4, src, icount);
        if (this.excPending) return;
      }
      x[rd] = ok ? 0 : 1;
      return;
    }
    // AMOs need write permission; a fault is a store/AMO fault.
    const pa = this.translate(va, ACCESS_STORE);
    if (pa < 0) return this.raiseMemFault(pa, ACCESS_STORE, va);
    const bus = this.bus;
    bus.fault = false;
    const old = bus.read(pa, 4) | 0;
    if (bus.fault) return this.raiseMemFault(WALK_ACCESS_FAULT, ACCESS_STORE, va);
    let v: number;
    switch (f5) {
      case 0: v = (old + src) | 0; break;
      case 1: v = src; break;
      case 4: v = old ^ src; break;
      case 12: v = old & src; break;
      case 8: v = old | src; break;
      case 16: v = old < src ? old : src; break;
      case 20: v = old > src ? old : src; break;
      case 24: v = old >>> 0 < src >>> 0 ? old : src; break;
      default: v = old >>> 0 > src >>> 0 ? old : src; break;
    }
    this.storeSlow(va, 4, v, icount);
    if (this.excPending) return;
    x[rd] = old;
  }

  // ------------------------------------------------------- the hypervisor seam

  /**
   * Returns from a VM exit as SRET executed in HS-mode would: V = hstatus.SPV, priv =
   * sstatus.SPP, SIE = SPIE, pc = sepc. The hypervisor sets sepc first (sepc += 4 after
   * an emulated instruction or ecall).
   */
  resumeGuest(): void {
    this.pc = returnFromHS(this) | 0;
  }

  /**
   * The hypervisor emulated the instruction that trapped (a CSR access, an MMIO load or
   * store, WFI): it retires once, as natively. The trap already counted the attempt;
   * this counts the retirement (icount, and with it minstret and mcycle), and at the
   * full trace level writes its row as native execution would have. Call it after the
   * emulation wrote rd (rows record rd's value).
   */
  retireEmulated(): void {
    const log = this.insnLog;
    if (log !== null) {
      const inst = this.trapInsn;
      if ((inst & 0x7f) === 0x23 && ((inst >> 12) & 7) <= 2) {
        const size = (1 << ((inst >> 12) & 7)) as 1 | 2 | 4;
        const value = this.x[(inst >> 20) & 31];
        this.lastStoreAddr = this.csr[CSR.stval];
        this.lastStoreValue = size === 4 ? value : size === 2 ? value & 0xffff : value & 0xff;
        this.lastStoreSize = size;
      }
      this.logRetired(log, this.trapEpc, inst);
    }
    this.icount++;
  }
}
