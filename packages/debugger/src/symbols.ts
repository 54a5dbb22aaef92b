/**
 * Symbols of the recorded ELF (it is stored in the trace), so that REPL users can say
 * `break main` or `x/4 checks` and see `<main+12>` next to addresses. Functions and
 * objects only; an address is named after the nearest symbol at or below it that
 * contains it (or, for symbols without a size, the nearest one within 64 KiB).
 */
export interface SymbolEntry {
  name: string;
  value: number;
  size: number;
  type: string;
}

const NO_SIZE_REACH = 0x10000;

export class SymbolTable {
  private readonly byName = new Map<string, number>();
  private readonly sorted: SymbolEntry[];

  constructor(symbols: readonly SymbolEntry[]) {
    const useful = symbols.filter((s) => s.name !== '' && !s.name.startsWith('$') && (s.type === 'func' || s.type === 'object' || s.type === 'notype'));
    for (const s of useful) if (!this.byName.has(s.name)) this.byName.set(s.name, s.value >>> 0);
    // At one address a function or object names it rather than a linker label (__bss_start): those sort last and win.
    const rank = (s: SymbolEntry) => (s.type === 'notype' ? 0 : 1);
    this.sorted = useful.map((s) => ({ ...s, value: s.value >>> 0 })).sort((a, b) => a.value - b.value || rank(a) - rank(b));
  }

  static readonly EMPTY = new SymbolTable([]);

  get size(): number {
    return this.byName.size;
  }

  lookup(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** `main`, `main+12`, or undefined when no symbol covers the address. */
  nameFor(addr: number): string | undefined {
    const a = addr >>> 0;
    let lo = 0;
    let hi = this.sorted.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]!.value <= a) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Prefer a sized symbol that contains the address among those at the same value.
    for (let i = best; i >= 0 && i > best - 8; i--) {
      const s = this.sorted[i]!;
      const reach = s.size > 0 ? s.size : NO_SIZE_REACH;
      if (a - s.value < reach) return a === s.value ? s.name : `${s.name}+${a - s.value}`;
    }
    return undefined;
  }
}
