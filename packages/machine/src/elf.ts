// ELF32 parser for the images hvrr runs: little-endian RISC-V executables.
//
// The parser reads the ELF header, the PT_LOAD program headers and (when present)
// the symbol table, and checks every offset and size against the file before it
// reads, so that any input either yields an ElfImage or throws an ElfError with a
// message a user can act on. Nothing else may escape: the CLI turns ElfError into
// one line and a non-zero exit, and anything else would be a stack trace.
//
// Layouts and constants come from the System V ABI (ELF) and the RISC-V ELF psABI.

/** The only error parseElf and checkSegmentsFit throw; `message` is one line for a user. */
export class ElfError extends Error {
  override name = 'ElfError';
}

/** A loadable segment: `data` holds the file bytes (p_filesz); the rest up to memsz is zero. */
export interface ElfSegment {
  vaddr: number;
  paddr: number;
  memsz: number;
  data: Uint8Array;
  /** p_flags: PF_X = 1, PF_W = 2, PF_R = 4. */
  flags: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: 'func' | 'object' | 'notype' | 'section' | 'file' | 'other';
}

export interface ElfImage {
  entry: number;
  /** PT_LOAD segments with memsz > 0, in program header order; they are loaded at paddr. */
  segments: ElfSegment[];
  /** Defined symbols of .symtab (empty for a stripped image). */
  symbols: ElfSymbol[];
  /** Value of a defined symbol; a global or weak definition wins over a local one of the same name. */
  symbol(name: string): number | undefined;
}

// e_ident and header constants (System V ABI, "ELF Header").
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const EV_CURRENT = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_RISCV = 243;

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;

const PT_LOAD = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHN_UNDEF = 0;
/** e_phnum value meaning "the real count is in section 0's sh_info". */
const PN_XNUM = 0xffff;

const STB_LOCAL = 0;

const ET_NAMES: Record<number, string> = { 0: 'no file type', 1: 'a relocatable object', 4: 'a core dump' };

// Enough names to make "wrong machine" errors readable; others print as a number.
const MACHINE_NAMES: Record<number, string> = {
  0: 'no machine',
  2: 'SPARC',
  3: 'x86 (i386)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S/390',
  40: 'ARM',
  43: 'SPARC V9',
  50: 'IA-64',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};

const SYMBOL_TYPES: ElfSymbol['type'][] = ['notype', 'object', 'func', 'section', 'file'];

/**
 * Parse an ELF32 little-endian RISC-V executable.
 *
 * ET_EXEC is the normal case. ET_DYN (a static PIE) is accepted too, but it is loaded
 * at its link addresses without relocation, exactly like ET_EXEC: a PIE linked at 0
 * then fails checkSegmentsFit with a clear message instead of running relocated.
 * Relocatable objects and core dumps are rejected.
 */
export function parseElf(bytes: Uint8Array): ElfImage {
  const file = new ElfReader(bytes);

  file.need(0, 4, 'ELF identification');
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file (bad magic number)');
  }
  file.need(0, 16, 'ELF identification');
  const elfClass = bytes[4];
  if (elfClass === ELFCLASS64) throw new ElfError('64-bit ELF: hvrr runs rv32 only');
  if (elfClass !== ELFCLASS32) throw new ElfError(`invalid ELF class ${elfClass}`);
  const data = bytes[5];
  if (data === ELFDATA2MSB) throw new ElfError('big-endian ELF: hvrr runs little-endian RISC-V only');
  if (data !== ELFDATA2LSB) throw new ElfError(`invalid ELF data encoding ${data}`);
  if (bytes[6] !== EV_CURRENT) throw new ElfError(`unsupported ELF version ${bytes[6]}`);

  file.need(0, EHDR_SIZE, 'ELF header');
  const type = file.u16(16);
  const machine = file.u16(18);
  if (machine !== EM_RISCV) {
    const name = MACHINE_NAMES[machine] ?? 'an unknown machine';
    throw new ElfError(`ELF is for ${name} (e_machine ${machine}), not RISC-V (243)`);
  }
  if (type !== ET_EXEC && type !== ET_DYN) {
    const what = ET_NAMES[type] ?? `unknown file type ${type}`;
    throw new ElfError(`ELF is ${what}, not an executable`);
  }
  const entry = file.u32(24);
  const phoff = file.u32(28);
  const shoff = file.u32(32);
  const phentsize = file.u16(42);
  let phnum = file.u16(44);
  const shentsize = file.u16(46);
  let shnum = file.u16(48);

  // Extended numbering: with more than 0xfeff sections (or 0xfffe program headers) the
  // real counts live in section header 0. Linkers never produce this for a small
  // image, but reading it keeps the parser honest about what the header says.
  if (shoff !== 0 && (shnum === 0 || phnum === PN_XNUM)) {
    if (shentsize < SHDR_SIZE) throw new ElfError(`bad section header size ${shentsize}`);
    file.need(shoff, SHDR_SIZE, 'section header table');
    if (shnum === 0) shnum = file.u32(shoff + 20);
    if (phnum === PN_XNUM) phnum = file.u32(shoff + 28);
  }

  const segments = readSegments(file, phoff, phentsize, phnum);
  if (segments.length === 0) throw new ElfError('ELF has no loadable segments');
  const symbols = shnum === 0 || shoff === 0 ? [] : readSymbols(file, shoff, shentsize, shnum);

  // Globals first so symbol() prefers them; among equals the first definition wins.
  const byName = new Map<string, number>();
  for (const pass of [false, true]) {
    for (const s of symbols) {
      if (s.local === pass && s.symbol.name !== '' && !byName.has(s.symbol.name)) byName.set(s.symbol.name, s.symbol.value);
    }
  }
  return {
    entry,
    segments,
    symbols: symbols.map((s) => s.symbol),
    symbol: (name: string) => byName.get(name),
  };
}

/** Throw an ElfError unless every segment lies inside RAM [ramBase, ramBase + ramSize). */
export function checkSegmentsFit(image: ElfImage, ramBase: number, ramSize: number): void {
  const ramEnd = ramBase + ramSize; // exclusive; a plain number, so 0x80000000 + 2 GiB does not wrap
  for (const seg of image.segments) {
    const end = seg.paddr + seg.memsz;
    if (seg.paddr < ramBase || end > ramEnd) {
      throw new ElfError(
        `ELF segment ${hexRange(seg.paddr, end)} lies outside RAM ${hexRange(ramBase, ramEnd)}`,
      );
    }
  }
}

function readSegments(file: ElfReader, phoff: number, phentsize: number, phnum: number): ElfSegment[] {
  if (phnum === 0) return [];
  if (phentsize < PHDR_SIZE) throw new ElfError(`bad program header size ${phentsize}`);
  file.need(phoff, phentsize * phnum, 'program header table');

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (file.u32(at) !== PT_LOAD) continue;
    const offset = file.u32(at + 4);
    const vaddr = file.u32(at + 8);
    const paddr = file.u32(at + 12);
    const filesz = file.u32(at + 16);
    const memsz = file.u32(at + 20);
    const flags = file.u32(at + 24);
    if (memsz === 0) continue;
    if (filesz > memsz) {
      throw new ElfError(`ELF segment ${i} has a file size (${filesz}) larger than its memory size (${memsz})`);
    }
    if (paddr + memsz > 2 ** 32) {
      throw new ElfError(`ELF segment ${i} at ${hex(paddr)} runs past the end of the 32-bit address space`);
    }
    file.need(offset, filesz, `segment ${i}`);
    segments.push({ vaddr, paddr, memsz, data: file.bytes.slice(offset, offset + filesz), flags });
  }

  // Overlapping segments would make the loaded image depend on load order: reject them.
  const sorted = [...segments].sort((a, b) => a.paddr - b.paddr);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.paddr < prev.paddr + prev.memsz) {
      throw new ElfError(
        `ELF segments ${hexRange(prev.paddr, prev.paddr + prev.memsz)} and ${hexRange(cur.paddr, cur.paddr + cur.memsz)} overlap`,
      );
    }
  }
  return segments;
}

interface RawSymbol {
  symbol: ElfSymbol;
  local: boolean;
}

// Reads the first SHT_SYMTAB section and its linked string table. Undefined symbols
// are dropped: they have no value in an executable.
function readSymbols(file: ElfReader, shoff: number, shentsize: number, shnum: number): RawSymbol[] {
  if (shentsize < SHDR_SIZE) throw new ElfError(`bad section header size ${shentsize}`);
  file.need(shoff, shentsize * shnum, 'section header table');
  const section = (index: number) => {
    const at = shoff + index * shentsize;
    return {
      type: file.u32(at + 4),
      offset: file.u32(at + 16),
      size: file.u32(at + 20),
      link: file.u32(at + 24),
      entsize: file.u32(at + 36),
    };
  };

  let symtabIndex = -1;
  for (let i = 0; i < shnum; i++) {
    if (section(i).type === SHT_SYMTAB) {
      symtabIndex = i;
      break;
    }
  }
  if (symtabIndex < 0) return [];

  const symtab = section(symtabIndex);
  if (symtab.entsize < SYM_SIZE) throw new ElfError(`bad symbol table entry size ${symtab.entsize}`);
  file.need(symtab.offset, symtab.size, 'symbol table');
  if (symtab.link === 0 || symtab.link >= shnum) {
    throw new ElfError(`symbol table links to a missing string table (section ${symtab.link})`);
  }
  const strtab = section(symtab.link);
  if (strtab.type !== SHT_STRTAB) throw new ElfError(`symbol table links to section ${symtab.link}, which is not a string table`);
  file.need(strtab.offset, strtab.size, 'string table');

  const symbols: RawSymbol[] = [];
  const count = Math.floor(symtab.size / symtab.entsize);
  // Entry 0 is the reserved null symbol.
  for (let i = 1; i < count; i++) {
    const at = symtab.offset + i * symtab.entsize;
    const nameOffset = file.u32(at);
    const value = file.u32(at + 4);
    const size = file.u32(at + 8);
    const info = file.u8(at + 12);
    const shndx = file.u16(at + 14);
    // SHN_ABS and the other reserved indices (>= 0xff00) still give a defined value.
    if (shndx === SHN_UNDEF) continue;
    const name = file.cstring(strtab.offset, strtab.size, nameOffset, i);
    const type = SYMBOL_TYPES[info & 0xf] ?? 'other';
    symbols.push({ symbol: { name, value, size, type }, local: info >> 4 === STB_LOCAL });
  }
  return symbols;
}

/** Bounds-checked little-endian reads: every range is checked against the file first. */
class ElfReader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throw a "truncated" ElfError unless [offset, offset + length) lies inside the file. */
  need(offset: number, length: number, what: string): void {
    if (offset + length > this.bytes.length) {
      throw new ElfError(
        `truncated ELF: ${what} (bytes ${offset}..${offset + length}) extends past the end of the file (${this.bytes.length} bytes)`,
      );
    }
  }

  u8(offset: number): number {
    this.need(offset, 1, 'field');
    return this.view.getUint8(offset);
  }

  u16(offset: number): number {
    this.need(offset, 2, 'field');
    return this.view.getUint16(offset, true);
  }

  u32(offset: number): number {
    this.need(offset, 4, 'field');
    return this.view.getUint32(offset, true) >>> 0;
  }

  /** A NUL-terminated name at `nameOffset` inside the string table [tableOffset, +tableSize). */
  cstring(tableOffset: number, tableSize: number, nameOffset: number, symbolIndex: number): string {
    if (nameOffset >= tableSize) {
      throw new ElfError(`symbol ${symbolIndex} has a name outside the string table`);
    }
    const start = tableOffset + nameOffset;
    const end = this.bytes.indexOf(0, start);
    if (end < 0 || end >= tableOffset + tableSize) {
      throw new ElfError(`symbol ${symbolIndex} has a name that is not NUL-terminated in the string table`);
    }
    return utf8.decode(this.bytes.subarray(start, end));
  }
}

// Non-fatal decoding: a malformed name becomes U+FFFD rather than an exception.
const utf8 = new TextDecoder('utf-8');

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** "0x80000000-0x80000fff": the first and the last byte, as in a memory map. */
function hexRange(start: number, endExclusive: number): string {
  return `${hex(start)}-${hex(endExclusive - 1)}`;
}
