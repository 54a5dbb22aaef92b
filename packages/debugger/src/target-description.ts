/**
 * The target description gdb reads with qXfer:features:read:target.xml: riscv:rv32 with
 * the general registers and pc (feature org.gnu.gdb.riscv.cpu), the CSRs
 * (org.gnu.gdb.riscv.csr) and the privilege level (org.gnu.gdb.riscv.virtual).
 * Register numbers follow gdb's own RISC-V numbering (x0-x31 = 0-31, pc = 32, CSR n =
 * 65 + n, priv = 65 + 4096), so `p`/`P` packets and gdb's internal numbers agree.
 */
import { ABI_NAMES } from '@hvrr/cpu';
import { csrLabel, readCsr } from './csr-values.js';
import type { HartView } from './engine.js';

export const PC_REGNUM = 32;
export const FIRST_CSR_REGNUM = 65;
export const PRIV_REGNUM = FIRST_CSR_REGNUM + 4096;

/** Registers sent in a `g` reply: x0-x31 then pc, 4 bytes each. Others are read with `p`. */
export const G_PACKET_REGS = 33;

// gdb names x8 "fp" in its feature list; the ABI name s0 is also accepted, fp reads better in frames.
function gprName(i: number): string {
  return i === 8 ? 'fp' : (ABI_NAMES[i] ?? `x${i}`);
}

export function targetXml(csrNumbers: readonly number[]): string {
  const lines = ['<?xml version="1.0"?>', '<!DOCTYPE target SYSTEM "gdb-target.dtd">', '<target version="1.0">', '  <architecture>riscv:rv32</architecture>'];
  lines.push('  <feature name="org.gnu.gdb.riscv.cpu">');
  for (let i = 0; i < 32; i++) {
    const type = i === 1 ? 'code_ptr' : i === 2 || i === 8 ? 'data_ptr' : 'int';
    lines.push(`    <reg name="${gprName(i)}" bitsize="32" type="${type}" regnum="${i}"/>`);
  }
  lines.push(`    <reg name="pc" bitsize="32" type="code_ptr" regnum="${PC_REGNUM}"/>`);
  lines.push('  </feature>');
  lines.push('  <feature name="org.gnu.gdb.riscv.csr">');
  for (const n of csrNumbers) lines.push(`    <reg name="${csrLabel(n)}" bitsize="32" type="int" regnum="${FIRST_CSR_REGNUM + n}" group="csr"/>`);
  lines.push('  </feature>');
  lines.push('  <feature name="org.gnu.gdb.riscv.virtual">');
  lines.push(`    <reg name="priv" bitsize="32" type="int" regnum="${PRIV_REGNUM}" group="general"/>`);
  lines.push('  </feature>');
  lines.push('</target>');
  return lines.join('\n') + '\n';
}

/** The value of a gdb register number, or null when the target has no such register. */
export function readRegister(hart: HartView, regnum: number, csrNumbers: ReadonlySet<number>): number | null {
  if (regnum >= 0 && regnum < 32) return hart.x[regnum]!;
  if (regnum === PC_REGNUM) return hart.pc;
  if (regnum === PRIV_REGNUM) return hart.priv;
  const csr = regnum - FIRST_CSR_REGNUM;
  if (csrNumbers.has(csr)) return readCsr(hart, csr);
  return null;
}
