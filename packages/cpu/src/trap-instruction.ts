/**
 * The transformed instruction the H chapter ("Transformed Instruction or
 * Pseudoinstruction for mtinst or htinst") asks for when an explicit load, store, AMO,
 * HLV/HLVX or HSV takes a guest-page fault: a hypervisor can emulate the access from it
 * without fetching and decoding the guest's instruction. rs1 becomes the offset of the
 * faulting address from the access's original address (nonzero only for a misaligned
 * access), and basic loads and stores lose their immediates. `rs1Value` is the register
 * the instruction's rs1 names (unchanged: a faulting instruction writes nothing).
 * Returns 0 (no information) for any other instruction.
 */
export function transformedInstruction(inst: number, rs1Value: number, faultVa: number): number {
  let original: number;
  let kept: number;
  switch (inst & 0x7f) {
    case 0x03: // LOAD: funct3, rd, opcode
      original = rs1Value + (inst >> 20);
      kept = inst & 0x00007fff;
      break;
    case 0x23: // STORE: rs2, funct3, opcode
      original = rs1Value + (((inst >> 25) << 5) | ((inst >> 7) & 31));
      kept = inst & 0x01f0707f;
      break;
    case 0x2f: // LR, SC, AMOs: all but rs1
      original = rs1Value;
      kept = inst & ~(31 << 15);
      break;
    case 0x73: // HLV, HLVX, HSV (SYSTEM, funct3 4): all but rs1
      if (((inst >> 12) & 7) !== 4) return 0;
      original = rs1Value;
      kept = inst & ~(31 << 15);
      break;
    default:
      return 0;
  }
  return kept | (((faultVa - original) & 31) << 15);
}
