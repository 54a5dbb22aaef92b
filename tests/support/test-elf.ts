// Minimal ELF32 images for tests, so programs assembled with the project's own
// assembler can run on a Machine or under `hvrr run` without a cross compiler.
//
// Layout (System V ABI, "ELF Header" and "Program Header"): the ELF header, one
// PT_LOAD program header, the segment's bytes at file offset 0x1000 (congruent with
// the load address modulo the page size, as linkers make it), and, when symbols are
// asked for, a section table with .symtab, .strtab and .shstrtab.
import { assemble } from '@hvrr/cpu';

export const TEST_BASE = 0x80000000;

export interface TestElfOptions {
  /** Load address of the segment (p_vaddr = p_paddr); default 0x80000000. */
  base?: number;
  /** e_entry; default the load address. */
  entry?: number;
  /** p_memsz, at least the bytes given (the rest is zero-filled, like .bss). */
  memSize?: number;
  /** Absolute symbols to define (global, SHN_ABS), e.g. { tohost: 0x80001000 }. */
  symbols?: Record<string, number>;
  /** p_flags; default R|W|X. */
  flags?: number;
}

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;
const DATA_OFFSET = 0x1000;

/** Wraps code or data (little-endian words or raw bytes) into an executable ELF32 for RISC-V. */
export function buildTestElf(content: Uint32Array | Uint8Array, options: TestElfOptions = {}): Uint8Array {
  const base = options.base ?? TEST_BASE;
  const entry = options.entry ?? base;
  const data = content instanceof Uint32Array ? new Uint8Array(content.buffer, content.byteOffset, content.byteLength) : content;
  const memSize = Math.max(options.memSize ?? data.length, data.length);
  const names = Object.keys(options.symbols ?? {});

  // String tables: index 0 of each is the empty name.
  const strtab = stringTable(names);
  const shstrtab = stringTable(['.symtab', '.strtab', '.shstrtab']);
  const symtabSize = (names.length + 1) * SYM_SIZE;

  let offset = DATA_OFFSET + data.length;
  const align4 = (n: number) => (n + 3) & ~3;
  const symtabOff = align4(offset);
  const strtabOff = symtabOff + symtabSize;
  const shstrtabOff = strtabOff + strtab.bytes.length;
  const shOff = align4(shstrtabOff + shstrtab.bytes.length);
  const withSections = names.length > 0;
  offset = withSections ? shOff + 4 * SHDR_SIZE : offset;

  const out = new Uint8Array(offset);
  const v = new DataView(out.buffer);
  // e_ident: magic, ELFCLASS32, ELFDATA2LSB, EV_CURRENT.
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true); // EM_RISCV
  v.setUint32(20, 1, true); // e_version
  v.setUint32(24, entry >>> 0, true);
  v.setUint32(28, EHDR_SIZE, true); // e_phoff
  v.setUint32(32, withSections ? shOff : 0, true); // e_shoff
  v.setUint32(36, 0, true); // e_flags (no C extension, soft float)
  v.setUint16(40, EHDR_SIZE, true);
  v.setUint16(42, PHDR_SIZE, true);
  v.setUint16(44, 1, true);
  v.setUint16(46, SHDR_SIZE, true);
  v.setUint16(48, withSections ? 4 : 0, true);
  v.setUint16(50, withSections ? 3 : 0, true); // e_shstrndx

  // The one PT_LOAD.
  const ph = EHDR_SIZE;
  v.setUint32(ph, 1, true);
  v.setUint32(ph + 4, DATA_OFFSET, true);
  v.setUint32(ph + 8, base >>> 0, true);
  v.setUint32(ph + 12, base >>> 0, true);
  v.setUint32(ph + 16, data.length, true);
  v.setUint32(ph + 20, memSize, true);
  v.setUint32(ph + 24, options.flags ?? 7, true);
  v.setUint32(ph + 28, 0x1000, true);
  out.set(data, DATA_OFFSET);

  if (withSections) {
    names.forEach((name, k) => {
      const at = symtabOff + (k + 1) * SYM_SIZE;
      v.setUint32(at, strtab.offsets[k]!, true);
      v.setUint32(at + 4, options.symbols![name]! >>> 0, true);
      v.setUint32(at + 8, 8, true);
      out[at + 12] = (1 << 4) | 1; // STB_GLOBAL, STT_OBJECT
      v.setUint16(at + 14, 0xfff1, true); // SHN_ABS
    });
    out.set(strtab.bytes, strtabOff);
    out.set(shstrtab.bytes, shstrtabOff);
    const section = (index: number, name: number, type: number, off: number, size: number, link: number, info: number, entsize: number) => {
      const at = shOff + index * SHDR_SIZE;
      v.setUint32(at, name, true);
      v.setUint32(at + 4, type, true);
      v.setUint32(at + 16, off, true);
      v.setUint32(at + 20, size, true);
      v.setUint32(at + 24, link, true);
      v.setUint32(at + 28, info, true);
      v.setUint32(at + 32, 1, true);
      v.setUint32(at + 36, entsize, true);
    };
    // Section 0 stays all zero (SHN_UNDEF).
    section(1, shstrtab.offsets[0]!, 2, symtabOff, symtabSize, 2, 1, SYM_SIZE); // SHT_SYMTAB, first global = 1
    section(2, shstrtab.offsets[1]!, 3, strtabOff, strtab.bytes.length, 0, 0, 0); // SHT_STRTAB
    section(3, shstrtab.offsets[2]!, 3, shstrtabOff, shstrtab.bytes.length, 0, 0, 0);
  }
  return out;
}

/** Assembles `source` at `options.base` (default 0x80000000) and wraps it into an ELF. */
export function elfFromAssembly(source: string, options: TestElfOptions = {}): Uint8Array {
  return buildTestElf(assemble(source, { base: options.base ?? TEST_BASE }), options);
}

function stringTable(names: string[]): { bytes: Uint8Array; offsets: number[] } {
  const parts: number[] = [0];
  const offsets: number[] = [];
  for (const name of names) {
    offsets.push(parts.length);
    for (const b of Buffer.from(name, 'utf8')) parts.push(b);
    parts.push(0);
  }
  return { bytes: Uint8Array.from(parts), offsets };
}
