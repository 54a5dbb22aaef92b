// Small bare VS-mode guests for the hypervisor's isolation and hostile-guest tests:
// assembled here, booted as VM images; results are read back from guest RAM.
import { assemble } from '@hvrr/cpu';
import { GUEST_RAM_BASE } from '@hvrr/hypervisor';
import { buildTestElf } from './test-elf.js';

/** Guest RAM of these VMs. */
export const MEM = 1024 * 1024;
/** Where a guest leaves its results. */
export const RESULTS = 0x80080000;
export const SRST_SHUTDOWN = 'li a7, 0x53525354\nli a6, 0\nli a0, 0\nli a1, 0\necall';

export function guestImage(source: string): Uint8Array {
  return buildTestElf(assemble(source, { base: GUEST_RAM_BASE }), { base: GUEST_RAM_BASE });
}

/**
 * The victim: fills a region with a pattern, spins while the other VM runs, then counts
 * the words that changed (at RESULTS) and shuts down. `handler` is the guest's trap
 * handler, labelled `trap`.
 */
export function victim(handler: string): string {
  return `
  la t0, trap
  csrw stvec, t0
  li a0, 0x80010000
  li a1, 0x80030000
  li a2, 0x5ec2e700
fill:
  xor a3, a0, a2
  sw a3, 0(a0)
  addi a0, a0, 4
  bltu a0, a1, fill
  li t3, 300000
spin:
  addi t3, t3, -1
  bnez t3, spin
  li a0, 0x80010000
  li s6, 0
check:
  lw a4, 0(a0)
  xor a3, a0, a2
  beq a3, a4, same
  addi s6, s6, 1
same:
  addi a0, a0, 4
  bltu a0, a1, check
  li t0, ${RESULTS}
  sw s6, 0(t0)
  ${SRST_SHUTDOWN}
${handler}`;
}

/** The little-endian word at byte i (NaN when there are no bytes). */
export const word = (bytes: Uint8Array | null, i: number) => (bytes === null ? NaN : (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0);
