import type { Mnemonic } from './opcodes.js';

export type { Mnemonic };

/**
 * One instruction as a plain value: its mnemonic and exactly the operand fields its
 * encoding carries (formats.ts says which). `decode` returns this, `encode` takes it.
 *
 * The immediate is given the way an assembler writes it, not as raw bits:
 * - I/S-type and jalr: the sign-extended 12-bit value;
 * - branches and jal: the sign-extended byte offset from the instruction (even);
 * - lui/auipc: the 20-bit upper value, 0..0xfffff (as in `lui a0, 0x12345`);
 * - slli/srli/srai: the shift amount 0..31;
 * - csrrwi/csrrsi/csrrci: the 5-bit unsigned value (it sits in the rs1 field).
 */
export interface Instruction {
  readonly mnemonic: Mnemonic;
  readonly rd?: number;
  readonly rs1?: number;
  readonly rs2?: number;
  readonly imm?: number;
  /** CSR number 0..0xfff. */
  readonly csr?: number;
  /** Acquire/release bits of lr/sc/amo; `encode` takes a missing one as false. */
  readonly aq?: boolean;
  readonly rl?: boolean;
  /** fence predecessor/successor sets, 4 bits each: I=8, O=4, R=2, W=1. */
  readonly pred?: number;
  readonly succ?: number;
}

/** The operand fields of an Instruction (everything but the mnemonic). */
export type InstructionField = Exclude<keyof Instruction, 'mnemonic'>;
