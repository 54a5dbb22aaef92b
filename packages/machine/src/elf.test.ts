import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSegmentsFit, ElfError, parseElf } from './elf.js';

// ---------------------------------------------------------------------------
// A tiny ELF32 writer, so the tests control every field the parser looks at.
// Layout: ELF header | program headers | segment bytes | .strtab | .symtab |
// .shstrtab | section headers (null, .symtab, .strtab, .shstrtab).
// ---------------------------------------------------------------------------

interface TestSegment {
  paddr: number;
  vaddr?: number;
  data: number[] | Uint8Array;
  memsz?: number;
  flags?: number;
  type?: number; // p_type, PT_LOAD by default
}

interface TestSymbol {
  name: string;
  value: number;
  size?: number;
  type?: number; // STT_*
  bind?: number; // STB_*
  shndx?: number; // 1 (some defined section) by default
}

interface TestElf {
  entry?: number;
  machine?: number;
  type?: number;
  segments?: TestSegment[];
  symbols?: TestSymbol[] | null; // null: stripped, no section headers at all
}

// Offsets of interesting fields in the image buildElf returns, for corruption tests.
interface Built {
  bytes: Uint8Array;
  phoff: number;
  shoff: number;
  symtabOffset: number;
  strtabOffset: number;
  segmentOffsets: number[];
}

function buildElf(spec: TestElf = {}): Built {
  const segments = spec.segments ?? [{ paddr: 0x80000000, data: [0x13, 0, 0, 0], flags: 5 }];
  const out: number[] = [];
  const u8 = (at: number, v: number) => (out[at] = v & 0xff);
  const u16 = (at: number, v: number) => (u8(at, v), u8(at + 1, v >>> 8));
  const u32 = (at: number, v: number) => (u16(at, v), u16(at + 2, v >>> 16));
  const pad = (n: number) => {
    while (out.length % n) out.push(0);
  };
  const append = (data: ArrayLike<number>) => {
    const at = out.length;
    for (let i = 0; i < data.length; i++) out.push(data[i]!);
    return at;
  };

  for (let i = 0; i < 52; i++) out.push(0); // ELF header, filled in at the end
  const phoff = out.length;
  for (let i = 0; i < segments.length * 32; i++) out.push(0);
  const segmentOffsets = segments.map((seg) => {
    pad(4);
    return append(seg.data);
  });
  segments.forEach((seg, i) => {
    const at = phoff + i * 32;
    u32(at, seg.type ?? 1);
    u32(at + 4, segmentOffsets[i]!);
    u32(at + 8, seg.vaddr ?? seg.paddr);
    u32(at + 12, seg.paddr);
    u32(at + 16, seg.data.length);
    u32(at + 20, seg.memsz ?? seg.data.length);
    u32(at + 24, seg.flags ?? 7);
    u32(at + 28, 4);
  });

  let shoff = 0;
  let symtabOffset = 0;
  let strtabOffset = 0;
  let shnum = 0;
  if (spec.symbols !== null) {
    const symbols = spec.symbols ?? [];
    const enc = new TextEncoder();
    const strtab: number[] = [0];
    const names = symbols.map((s) => {
      const at = strtab.length;
      strtab.push(...enc.encode(s.name), 0);
      return at;
    });
    strtabOffset = append(strtab);
    pad(4);
    symtabOffset = out.length;
    for (let i = 0; i < (symbols.length + 1) * 16; i++) out.push(0);
    symbols.forEach((s, i) => {
      const at = symtabOffset + (i + 1) * 16;
      u32(at, names[i]!);
      u32(at + 4, s.value);
      u32(at + 8, s.size ?? 0);
      u8(at + 12, ((s.bind ?? 1) << 4) | (s.type ?? 0));
      u16(at + 14, s.shndx ?? 1);
    });
    const shstrtab = [0, ...enc.encode('.symtab'), 0, ...enc.encode('.strtab'), 0, ...enc.encode('.shstrtab'), 0];
    const shstrtabOffset = append(shstrtab);
    pad(4);
    shoff = out.length;
    shnum = 4;
    for (let i = 0; i < shnum * 40; i++) out.push(0);
    const sh = (i: number, name: number, type: number, offset: number, size: number, link: number, entsize: number) => {
      const at = shoff + i * 40;
      u32(at, name);
      u32(at + 4, type);
      u32(at + 16, offset);
      u32(at + 20, size);
      u32(at + 24, link);
      u32(at + 28, 1); // sh_info: index of the first non-local symbol (readelf likes it sane)
      u32(at + 32, type === 2 ? 4 : 1);
      u32(at + 36, entsize);
    };
    sh(1, 1, 2, symtabOffset, (symbols.length + 1) * 16, 2, 16); // .symtab -> .strtab
    sh(2, 9, 3, strtabOffset, strtab.length, 0, 0); // .strtab
    sh(3, 17, 3, shstrtabOffset, shstrtab.length, 0, 0); // .shstrtab
  }

  // ELF header
  u32(0, 0x464c457f); // \x7fELF
  u8(4, 1); // ELFCLASS32
  u8(5, 1); // ELFDATA2LSB
  u8(6, 1); // EV_CURRENT
  u16(16, spec.type ?? 2); // ET_EXEC
  u16(18, spec.machine ?? 243); // EM_RISCV
  u32(20, 1);
  u32(24, spec.entry ?? 0x80000000);
  u32(28, phoff);
  u32(32, shoff);
  u16(40, 52);
  u16(42, 32);
  u16(44, segments.length);
  u16(46, 40);
  u16(48, shnum);
  u16(50, shnum ? 3 : 0);
  return { bytes: Uint8Array.from(out), phoff, shoff, symtabOffset, strtabOffset, segmentOffsets };
}

function elfError(bytes: Uint8Array): string {
  try {
    parseElf(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ElfError);
    return (e as Error).message;
  }
  throw new Error('parseElf accepted the image');
}

function patch(bytes: Uint8Array, at: number, value: number, width: 1 | 2 | 4): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  if (width === 1) view.setUint8(at, value);
  else if (width === 2) view.setUint16(at, value, true);
  else view.setUint32(at, value, true);
  return copy;
}

const hasTool = (tool: string) => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe('parseElf on valid images', () => {
  it('reads entry, PT_LOAD segments and symbols', () => {
    const { bytes } = buildElf({
      entry: 0x80000010,
      segments: [
        { paddr: 0x80000000, data: [1, 2, 3, 4, 5, 6, 7, 8], flags: 5 },
        { paddr: 0x80001000, vaddr: 0xc0001000, data: [9, 10], memsz: 0x100, flags: 6 },
      ],
      symbols: [
        { name: '_start', value: 0x80000010, size: 8, type: 2 },
        { name: 'tohost', value: 0x80001000, size: 8, type: 1 },
        { name: 'fromhost', value: 0x80001040, size: 8, type: 1 },
        { name: 'main.c', value: 0, type: 4, bind: 0, shndx: 0xfff1 },
      ],
    });
    const image = parseElf(bytes);
    expect(image.entry).toBe(0x80000010);
    expect(image.segments).toHaveLength(2);
    expect(image.segments[0]).toEqual({
      vaddr: 0x80000000,
      paddr: 0x80000000,
      memsz: 8,
      data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
      flags: 5,
    });
    expect(image.segments[1]!.vaddr).toBe(0xc0001000);
    expect(image.segments[1]!.paddr).toBe(0x80001000);
    expect(image.segments[1]!.memsz).toBe(0x100);
    expect([...image.segments[1]!.data]).toEqual([9, 10]);
    expect(image.symbol('tohost')).toBe(0x80001000);
    expect(image.symbol('fromhost')).toBe(0x80001040);
    expect(image.symbol('_start')).toBe(0x80000010);
    expect(image.symbol('missing')).toBeUndefined();
    expect(image.symbols).toContainEqual({ name: '_start', value: 0x80000010, size: 8, type: 'func' });
    expect(image.symbols).toContainEqual({ name: 'main.c', value: 0, size: 0, type: 'file' });
  });

  it('returns addresses as unsigned 32-bit numbers', () => {
    const { bytes } = buildElf({ entry: 0xfffffff0, segments: [{ paddr: 0xfffff000, data: [1], memsz: 0x1000 }] });
    const image = parseElf(bytes);
    expect(image.entry).toBe(0xfffffff0);
    expect(image.segments[0]!.paddr).toBe(0xfffff000);
  });

  it('skips non-LOAD segments and empty LOAD segments', () => {
    const { bytes } = buildElf({
      segments: [
        { paddr: 0x80000000, data: [1, 2, 3, 4] },
        { paddr: 0x80000000, data: [], type: 0x6474e551 }, // PT_GNU_STACK
        { paddr: 0x90000000, data: [], memsz: 0 },
        { paddr: 0x80000000, data: [7], type: 4 }, // PT_NOTE overlapping the code: not loaded
      ],
    });
    const image = parseElf(bytes);
    expect(image.segments.map((s) => s.paddr)).toEqual([0x80000000]);
  });

  it('accepts a stripped image and reports no symbols', () => {
    const image = parseElf(buildElf({ symbols: null }).bytes);
    expect(image.symbols).toEqual([]);
    expect(image.symbol('tohost')).toBeUndefined();
  });

  it('drops undefined symbols and prefers a global over a local of the same name', () => {
    const { bytes } = buildElf({
      symbols: [
        { name: 'buf', value: 0x80000100, bind: 0 },
        { name: 'buf', value: 0x80000200, bind: 1 },
        { name: 'printf', value: 0, shndx: 0 },
      ],
    });
    const image = parseElf(bytes);
    expect(image.symbol('buf')).toBe(0x80000200);
    expect(image.symbol('printf')).toBeUndefined();
    expect(image.symbols.map((s) => s.name)).toEqual(['buf', 'buf']);
  });

  it('accepts ET_DYN with segments, loaded at its link addresses', () => {
    const image = parseElf(buildElf({ type: 3 }).bytes);
    expect(image.segments[0]!.paddr).toBe(0x80000000);
  });

  it('copies segment bytes rather than aliasing the input', () => {
    const { bytes, segmentOffsets } = buildElf();
    const image = parseElf(bytes);
    bytes[segmentOffsets[0]!] = 0xff;
    expect(image.segments[0]!.data[0]).toBe(0x13);
  });

  it('works on a subarray of a larger buffer', () => {
    const { bytes } = buildElf();
    const big = new Uint8Array(bytes.length + 13);
    big.set(bytes, 13);
    expect(parseElf(big.subarray(13)).entry).toBe(0x80000000);
  });

  it('agrees with llvm-readelf on the test writer output', { skip: !hasTool('llvm-readelf') }, () => {
    const { bytes } = buildElf({
      entry: 0x80000004,
      segments: [{ paddr: 0x80000000, data: [0x13, 0, 0, 0, 0x6f, 0, 0, 0], flags: 5 }],
      symbols: [{ name: 'tohost', value: 0x80001000, size: 8, type: 1 }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'hvrr-elf-'));
    try {
      const path = join(dir, 't.elf');
      writeFileSync(path, bytes);
      const out = execFileSync('llvm-readelf', ['-h', '-l', '-s', path], { encoding: 'utf8' });
      expect(out).toMatch(/Entry point address:\s+0x80000004/);
      expect(out).toMatch(/LOAD\s+0x[0-9a-f]+ 0x80000000 0x80000000 0x00008 0x00008 R E/);
      expect(out).toMatch(/80001000\s+8 OBJECT\s+GLOBAL\s+DEFAULT\s+1 tohost/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseElf errors', () => {
  it('rejects a non-ELF file', () => {
    expect(elfError(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toBe('not an ELF file (bad magic number)');
    expect(elfError(new Uint8Array(0))).toMatch(/^truncated ELF/);
  });

  it('rejects 64-bit and big-endian images', () => {
    const { bytes } = buildElf();
    expect(elfError(patch(bytes, 4, 2, 1))).toBe('64-bit ELF: hvrr runs rv32 only');
    expect(elfError(patch(bytes, 5, 2, 1))).toBe('big-endian ELF: hvrr runs little-endian RISC-V only');
    expect(elfError(patch(bytes, 4, 9, 1))).toMatch(/invalid ELF class 9/);
  });

  it('names the machine of a non-RISC-V image', () => {
    expect(elfError(buildElf({ machine: 62 }).bytes)).toBe('ELF is for x86-64 (e_machine 62), not RISC-V (243)');
    expect(elfError(buildElf({ machine: 40 }).bytes)).toMatch(/ARM \(e_machine 40\)/);
    expect(elfError(buildElf({ machine: 9999 }).bytes)).toMatch(/unknown machine \(e_machine 9999\)/);
  });

  it('rejects relocatable objects and core dumps', () => {
    expect(elfError(buildElf({ type: 1 }).bytes)).toBe('ELF is a relocatable object, not an executable');
    expect(elfError(buildElf({ type: 4 }).bytes)).toBe('ELF is a core dump, not an executable');
  });

  it('rejects an executable without loadable segments', () => {
    expect(elfError(buildElf({ segments: [] }).bytes)).toBe('ELF has no loadable segments');
  });

  it('rejects truncated headers and segments', () => {
    const { bytes, segmentOffsets } = buildElf({ symbols: null });
    expect(elfError(bytes.subarray(0, 40))).toMatch(/^truncated ELF: ELF header/);
    expect(elfError(bytes.subarray(0, 60))).toMatch(/^truncated ELF: program header table/);
    expect(elfError(bytes.subarray(0, segmentOffsets[0]! + 2))).toMatch(/^truncated ELF: segment 0/);
  });

  it('rejects filesz > memsz and segments past 4 GiB', () => {
    const { bytes, phoff } = buildElf();
    expect(elfError(patch(bytes, phoff + 20, 2, 4))).toMatch(/file size \(4\) larger than its memory size \(2\)/);
    const wrap = buildElf({ segments: [{ paddr: 0xfffff000, data: [1], memsz: 0x2000 }] }).bytes;
    expect(elfError(wrap)).toMatch(/past the end of the 32-bit address space/);
  });

  it('rejects overlapping segments', () => {
    const { bytes } = buildElf({
      segments: [
        { paddr: 0x80000000, data: [1, 2, 3, 4], memsz: 0x100 },
        { paddr: 0x800000f0, data: [5] },
      ],
    });
    expect(elfError(bytes)).toBe('ELF segments 0x80000000-0x800000ff and 0x800000f0-0x800000f0 overlap');
  });

  it('rejects program and section header tables out of bounds', () => {
    const { bytes } = buildElf();
    expect(elfError(patch(bytes, 28, 0xfffffff0, 4))).toMatch(/^truncated ELF: program header table/);
    expect(elfError(patch(bytes, 32, bytes.length - 8, 4))).toMatch(/^truncated ELF: section header table/);
    expect(elfError(patch(bytes, 42, 8, 2))).toBe('bad program header size 8');
    expect(elfError(patch(bytes, 46, 8, 2))).toBe('bad section header size 8');
  });

  it('rejects a symbol or string table out of bounds', () => {
    const { bytes, shoff } = buildElf({ symbols: [{ name: 'x', value: 1 }] });
    const symtabHeader = shoff + 40;
    const strtabHeader = shoff + 80;
    expect(elfError(patch(bytes, symtabHeader + 16, bytes.length, 4))).toMatch(/^truncated ELF: symbol table/);
    expect(elfError(patch(bytes, symtabHeader + 20, 0x7fffffff, 4))).toMatch(/^truncated ELF: symbol table/);
    expect(elfError(patch(bytes, strtabHeader + 16, 0xffffff00, 4))).toMatch(/^truncated ELF: string table/);
    expect(elfError(patch(bytes, symtabHeader + 24, 9, 4))).toMatch(/missing string table \(section 9\)/);
    expect(elfError(patch(bytes, symtabHeader + 24, 1, 4))).toMatch(/not a string table/);
    expect(elfError(patch(bytes, symtabHeader + 36, 4, 4))).toBe('bad symbol table entry size 4');
  });

  it('rejects symbol names outside or unterminated in the string table', () => {
    const { bytes, shoff, symtabOffset } = buildElf({ symbols: [{ name: 'abc', value: 1 }] });
    expect(elfError(patch(bytes, symtabOffset + 16, 500, 4))).toBe('symbol 1 has a name outside the string table');
    // Shrink .strtab to "\0ab": the name "abc" then runs off its end.
    expect(elfError(patch(bytes, shoff + 80 + 20, 3, 4))).toMatch(/not NUL-terminated/);
  });
});

describe('checkSegmentsFit', () => {
  const ram = { base: 0x80000000, size: 0x100000 };
  it('accepts segments inside RAM, up to its last byte', () => {
    const image = parseElf(buildElf({ segments: [{ paddr: 0x800ff000, data: [1], memsz: 0x1000 }] }).bytes);
    expect(() => checkSegmentsFit(image, ram.base, ram.size)).not.toThrow();
  });

  it('names the segment range that lies outside RAM', () => {
    const over = parseElf(buildElf({ segments: [{ paddr: 0x800ff000, data: [1], memsz: 0x1001 }] }).bytes);
    expect(() => checkSegmentsFit(over, ram.base, ram.size)).toThrow(
      new ElfError('ELF segment 0x800ff000-0x80100000 lies outside RAM 0x80000000-0x800fffff'),
    );
    const below = parseElf(buildElf({ segments: [{ paddr: 0x1000, data: [1] }] }).bytes);
    expect(() => checkSegmentsFit(below, ram.base, ram.size)).toThrow(/ELF segment 0x00001000-0x00001000 lies outside RAM/);
  });

  it('handles RAM reaching the top of the address space', () => {
    const image = parseElf(buildElf({ segments: [{ paddr: 0xfffff000, data: [1], memsz: 0x1000 }] }).bytes);
    expect(() => checkSegmentsFit(image, 0x80000000, 0x80000000)).not.toThrow();
  });
});

describe('parseElf never throws anything but ElfError', () => {
  const onlyElfErrors = (bytes: Uint8Array) => {
    try {
      parseElf(bytes);
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
      // One line for a user.
      expect(e.message).not.toMatch(/\n/);
      expect(e.message.length).toBeGreaterThan(0);
    }
  };
  const valid = buildElf({
    segments: [
      { paddr: 0x80000000, data: [0x13, 0, 0, 0, 0x6f, 0, 0, 0], flags: 5 },
      { paddr: 0x80001000, data: [1, 2, 3], memsz: 64, flags: 6 },
    ],
    symbols: [
      { name: '_start', value: 0x80000000, type: 2 },
      { name: 'tohost', value: 0x80001000, type: 1 },
    ],
  }).bytes;

  it('on random bytes, with and without an ELF32 RISC-V prefix', () => {
    const prefix = valid.subarray(0, 20);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (random, withPrefix) => {
        const bytes = withPrefix ? Uint8Array.from([...prefix, ...random]) : random;
        onlyElfErrors(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('on single-byte corruptions of a valid image', () => {
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        onlyElfErrors(patch(valid, at, value, 1));
      }),
      { numRuns: 3000 },
    );
  });

  it('on several corrupted 32-bit words and truncations', () => {
    const word = fc.record({
      at: fc.nat(valid.length - 4),
      value: fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 0x80000000, valid.length), fc.nat()),
    });
    fc.assert(
      fc.property(fc.array(word, { maxLength: 4 }), fc.nat(valid.length), (words, length) => {
        let bytes = valid;
        for (const w of words) bytes = patch(bytes, w.at, w.value >>> 0, 4);
        onlyElfErrors(bytes.subarray(0, length));
      }),
      { numRuns: 3000 },
    );
  });
});

// Real images: a program built here with clang and ld.lld, and the committed guests.
describe('parseElf on toolchain-built images', () => {
  const haveClang = hasTool('clang') && hasTool('ld.lld') && hasTool('llvm-readelf');

  it('matches llvm-readelf on a clang-built rv32 program', { skip: !haveClang }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvrr-elf-'));
    try {
      const src = join(dir, 'p.c');
      const script = join(dir, 'p.ld');
      const elf = join(dir, 'p.elf');
      writeFileSync(
        src,
        [
          'volatile unsigned long long tohost __attribute__((section(".tohost")));',
          'int counter = 7;',
          'volatile char scratch[256];', // .bss: a segment with filesz < memsz
          'void _start(void) { scratch[counter] = 1; tohost = scratch[0] + 1; for (;;) {} }',
        ].join('\n'),
      );
      // The layout of a bare-metal program for QEMU virt: everything in RAM at 0x80000000.
      writeFileSync(
        script,
        'ENTRY(_start) SECTIONS { . = 0x80000000; .text : { *(.text*) } .tohost : { *(.tohost) } ' +
          '.data : { *(.sdata*) *(.data*) } .bss : { *(.sbss*) *(.bss*) } }',
      );
      execFileSync('clang', [
        '--target=riscv32', '-march=rv32ima', '-mabi=ilp32', '-O1', '-nostdlib', '-ffreestanding',
        '-fuse-ld=lld', '-static', `-Wl,-T,${script}`, '-o', elf, src,
      ]);
      const image = parseElf(readFileSync(elf));
      const readelf = execFileSync('llvm-readelf', ['-h', '-l', '-s', elf], { encoding: 'utf8' });

      expect(image.entry).toBe(parseInt(/Entry point address:\s+(0x[0-9a-f]+)/.exec(readelf)![1]!, 16));
      const loads = [...readelf.matchAll(/LOAD\s+0x[0-9a-f]+ (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+)/g)]
        .map((m) => ({ vaddr: parseInt(m[1]!, 16), paddr: parseInt(m[2]!, 16), filesz: parseInt(m[3]!, 16), memsz: parseInt(m[4]!, 16) }))
        .filter((s) => s.memsz > 0);
      expect(image.segments.map((s) => ({ vaddr: s.vaddr, paddr: s.paddr, filesz: s.data.length, memsz: s.memsz }))).toEqual(loads);
      for (const name of ['_start', 'tohost', 'counter', 'scratch']) {
        const m = new RegExp(`([0-9a-f]{8})\\s+\\d+ \\w+\\s+\\w+\\s+\\w+\\s+\\w+ ${name}$`, 'm').exec(readelf);
        expect(m, name).not.toBeNull();
        expect(image.symbol(name), name).toBe(parseInt(m![1]!, 16));
      }
      expect(image.symbols.find((s) => s.name === '_start')!.type).toBe('func');
      expect(image.symbols.find((s) => s.name === 'counter')).toMatchObject({ type: 'object', size: 4 });
      expect(image.segments.some((s) => s.data.length < s.memsz)).toBe(true);
      expect(() => checkSegmentsFit(image, 0x80000000, 0x100000)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const imagesDir = join(dirname(fileURLToPath(import.meta.url)), '../../guests/images');
  const guestElfs = existsSync(imagesDir) ? readdirSync(imagesDir).filter((f) => f.endsWith('.elf')) : [];
  it.skipIf(guestElfs.length === 0)('parses the committed guest images', () => {
    for (const name of guestElfs) {
      const image = parseElf(readFileSync(join(imagesDir, name)));
      expect(image.segments.length, name).toBeGreaterThan(0);
      expect(() => checkSegmentsFit(image, 0x80000000, 128 * 1024 * 1024), name).not.toThrow();
    }
  });
});
