import { disassemble } from '@hvrr/cpu';
import { ElfError, parseElf } from '@hvrr/machine';
import { CliError } from './cli-error.js';
import { readInputFile } from './run-command.js';

const PF_X = 1;

/** `hvrr disasm <elf>`: every executable segment, objdump-style, with symbol labels. */
export function disasmCommand(elfPath: string): number {
  let elf;
  try {
    elf = parseElf(readInputFile(elfPath, 'ELF'));
  } catch (e) {
    if (e instanceof ElfError) throw new CliError(`${elfPath}: ${e.message}`);
    throw e;
  }
  const labels = new Map<number, string>();
  for (const s of elf.symbols) if ((s.type === 'func' || s.type === 'notype') && s.name !== '' && !s.name.startsWith('$')) labels.set(s.value >>> 0, s.name);
  const out: string[] = [];
  for (const seg of elf.segments) {
    if ((seg.flags & PF_X) === 0) continue;
    const view = new DataView(seg.data.buffer, seg.data.byteOffset, seg.data.byteLength);
    for (let off = 0; off + 4 <= seg.data.length; off += 4) {
      const addr = (seg.vaddr + off) >>> 0;
      const label = labels.get(addr);
      if (label !== undefined) out.push(`${out.length ? '\n' : ''}${hex8(addr)} <${label}>:`);
      const word = view.getUint32(off, true);
      out.push(`${hex8(addr).padStart(8)}:\t${hex8(word)}\t${disassemble(word, addr)}`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
