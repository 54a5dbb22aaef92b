import type { Hart } from '@hvrr/cpu';

/**
 * A vCPU's architectural state while its VM is off the hart: registers, pc, privilege
 * and V, the whole CSR file (VS/H registers, hvip, hie, scounteren... every CSR a guest
 * can change, and the host's own settings, which are the same for every VM), the LR/SC
 * reservation and the counters as the VM itself sees them. Saving and loading are
 * exact, so where the scheduler switches VMs never shows in a VM's behaviour.
 */
export class VcpuState {
  readonly x = new Int32Array(32);
  pc = 0;
  priv = 1;
  virt = 1;
  readonly csr = new Int32Array(4096);
  resValid = false;
  resAddr = 0;
  /** mcycle and minstret as the VM sees them, and whether each is frozen (mcountinhibit). */
  private cycles = 0n;
  private instret = 0n;
  private cycleFrozen = false;
  private instretFrozen = false;

  /** Copies the hart's state in (the VM leaves the hart at `hart.icount`). */
  save(hart: Hart): void {
    this.x.set(hart.x);
    this.pc = hart.pc;
    this.priv = hart.priv;
    this.virt = hart.virt;
    this.csr.set(hart.csr);
    this.resValid = hart.resValid;
    this.resAddr = hart.resAddr;
    this.cycles = hart.mcycle.value(hart.icount);
    this.instret = hart.minstret.value(hart.icount);
    this.cycleFrozen = hart.mcycle.save()[1] >= 0n;
    this.instretFrozen = hart.minstret.save()[1] >= 0n;
  }

  /** A structured-cloneable copy (snapshots). */
  saveState(): VcpuSnapshot {
    return {
      x: this.x.slice(),
      pc: this.pc,
      priv: this.priv,
      virt: this.virt,
      csr: this.csr.slice(),
      resValid: this.resValid,
      resAddr: this.resAddr,
      counters: [this.cycles.toString(), this.instret.toString()],
      frozen: [this.cycleFrozen, this.instretFrozen],
    };
  }

  restoreState(s: VcpuSnapshot): void {
    this.x.set(s.x);
    this.pc = s.pc;
    this.priv = s.priv;
    this.virt = s.virt;
    this.csr.set(s.csr);
    this.resValid = s.resValid;
    this.resAddr = s.resAddr;
    this.cycles = BigInt(s.counters[0]);
    this.instret = BigInt(s.counters[1]);
    [this.cycleFrozen, this.instretFrozen] = s.frozen;
  }

  /** Puts this state on the hart (the VM enters at `hart.icount`); the caller flushes translations. */
  load(hart: Hart): void {
    hart.x.set(this.x);
    hart.pc = this.pc;
    hart.priv = this.priv;
    hart.virt = this.virt;
    hart.csr.set(this.csr);
    hart.resValid = this.resValid;
    hart.resAddr = this.resAddr;
    const now = BigInt(hart.icount);
    hart.mcycle.restore(this.cycleFrozen ? [0n, this.cycles] : [now - this.cycles, -1n]);
    hart.minstret.restore(this.instretFrozen ? [0n, this.instret] : [now - this.instret, -1n]);
  }
}

export interface VcpuSnapshot {
  x: Int32Array;
  pc: number;
  priv: number;
  virt: number;
  csr: Int32Array;
  resValid: boolean;
  resAddr: number;
  /** mcycle, minstret as the VM saw them (decimal strings). */
  counters: [string, string];
  frozen: [boolean, boolean];
}
