/**
 * A guest load, store or AMO decoded from the instruction bits the hypervisor has for a
 * guest-page fault: htinst's transformed instruction (privileged spec, "Transformed
 * Instruction or Pseudoinstruction for mtinst or htinst"), or the instruction itself
 * fetched from guest memory. The transformed form keeps opcode, funct3, rd/rs2 and, for
 * AMOs, funct5; it zeroes the offset and rs1, which the access needs no more (the
 * faulting address is known).
 */
export interface GuestAccess {
  kind: 'load' | 'store' | 'amo';
  /** Bytes: 1, 2 or 4. */
  size: 1 | 2 | 4;
  /** Loads: sign-extend (LB/LH). */
  signed: boolean;
  rd: number;
  rs2: number;
  /** AMOs: funct5 (0 add, 1 swap, 2 lr, 3 sc, 4 xor, 8 or, 12 and, 16 min, 20 max, 24 minu, 28 maxu). */
  amo: number;
}

/** htinst values that stand for the VS-stage walk's own accesses (pseudoinstructions), not a guest instruction. */
export function isWalkPseudoinstruction(htinst: number): boolean {
  return htinst === 0x2000 || htinst === 0x2020 || htinst === 0x3000 || htinst === 0x3020;
}

/** Decodes a load/store/AMO (32-bit encoding, transformed or not); null for anything else. */
export function decodeGuestAccess(insn: number): GuestAccess | null {
  if ((insn & 3) !== 3) return null; // compressed forms: no C extension here
  const opcode = insn & 0x7f;
  const funct3 = (insn >>> 12) & 7;
  const rd = (insn >>> 7) & 31;
  const rs2 = (insn >>> 20) & 31;
  switch (opcode) {
    case 0x03: {
      // LB LH LW LBU LHU
      const size = funct3 & 3;
      if (size === 3 || funct3 === 6 || funct3 === 7) return null;
      return { kind: 'load', size: (1 << size) as 1 | 2 | 4, signed: funct3 < 4 && size < 2, rd, rs2: 0, amo: 0 };
    }
    case 0x23: {
      // SB SH SW
      if (funct3 > 2) return null;
      return { kind: 'store', size: (1 << funct3) as 1 | 2 | 4, signed: false, rd: 0, rs2, amo: 0 };
    }
    case 0x2f: {
      if (funct3 !== 2) return null;
      return { kind: 'amo', size: 4, signed: false, rd, rs2, amo: insn >>> 27 };
    }
  }
  return null;
}

/** The value an AMO writes, from the old memory word and rs2 (the A extension's definitions). */
export function amoResult(funct5: number, old: number, src: number): number {
  switch (funct5) {
    case 0: return (old + src) | 0;
    case 1: return src;
    case 4: return old ^ src;
    case 8: return old | src;
    case 12: return old & src;
    case 16: return Math.min(old | 0, src | 0);
    case 20: return Math.max(old | 0, src | 0);
    case 24: return (old >>> 0) < (src >>> 0) ? old : src;
    case 28: return (old >>> 0) > (src >>> 0) ? old : src;
  }
  return old;
}
