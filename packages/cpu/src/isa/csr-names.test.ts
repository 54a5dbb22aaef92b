import { describe, expect, it } from 'vitest';
import { csrEntries, csrName, csrNumber } from './csr-names.js';

describe('CSR names', () => {
  it.each([
    ['mstatus', 0x300], ['misa', 0x301], ['satp', 0x180], ['sstatus', 0x100], ['senvcfg', 0x10a],
    ['cycle', 0xc00], ['instreth', 0xc82], ['hpmcounter3', 0xc03], ['hpmcounter31h', 0xc9f],
    ['mcycle', 0xb00], ['mhpmcounter31', 0xb1f], ['mhpmcounter3h', 0xb83], ['mhpmevent31', 0x33f],
    ['pmpcfg0', 0x3a0], ['pmpcfg15', 0x3af], ['pmpaddr0', 0x3b0], ['pmpaddr63', 0x3ef],
    ['tselect', 0x7a0], ['tdata1', 0x7a1], ['tdata3', 0x7a3], ['menvcfg', 0x30a], ['menvcfgh', 0x31a],
    ['mconfigptr', 0xf15], ['mcountinhibit', 0x320], ['mseccfg', 0x747],
    ['hstatus', 0x600], ['hedeleg', 0x602], ['hideleg', 0x603], ['hie', 0x604], ['hcounteren', 0x606],
    ['hgeie', 0x607], ['htval', 0x643], ['hip', 0x644], ['hvip', 0x645], ['htinst', 0x64a],
    ['hgeip', 0xe12], ['henvcfg', 0x60a], ['henvcfgh', 0x61a], ['hgatp', 0x680],
    ['htimedelta', 0x605], ['htimedeltah', 0x615],
    ['vsstatus', 0x200], ['vsie', 0x204], ['vstvec', 0x205], ['vsscratch', 0x240], ['vsepc', 0x241],
    ['vscause', 0x242], ['vstval', 0x243], ['vsip', 0x244], ['vsatp', 0x280],
    ['mtinst', 0x34a], ['mtval2', 0x34b],
  ])('%s = %i', (name, num) => {
    expect(csrNumber(name)).toBe(num);
    expect(csrName(num)).toBe(name);
  });

  it('looks names up case-insensitively and knows nothing of unnamed numbers', () => {
    expect(csrNumber('MSTATUS')).toBe(0x300);
    expect(csrNumber('nonsense')).toBeUndefined();
    expect(csrName(0x7c0)).toBeUndefined();
  });

  it('maps each name to one 12-bit number and back', () => {
    const entries = csrEntries();
    expect(entries.length).toBeGreaterThan(300);
    for (const [num, name] of entries) {
      expect(num).toBeGreaterThanOrEqual(0);
      expect(num).toBeLessThan(0x1000);
      expect(csrNumber(name)).toBe(num);
    }
  });
});
