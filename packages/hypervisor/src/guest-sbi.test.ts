// SBI for VS guests (guest-sbi.ts) against a recording fake of the hypervisor side.
import { describe, expect, it } from 'vitest';
import { BufferConsole, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, SBI_EXT_BASE, SBI_EXT_DBCN, SBI_EXT_HSM, SBI_EXT_IPI, SBI_EXT_SRST, SBI_EXT_TIME, type RunOutcome } from '@hvrr/machine';
import { guestSbiCall, type GuestSbiHost } from './guest-sbi.js';
import type { Vm } from './vm.js';

function fake(input = '') {
  const console = new BufferConsole(new TextEncoder().encode(input));
  const memory = new Uint8Array(4096);
  const log: unknown[] = [];
  const vm = { console, outcome: null as RunOutcome | null } as unknown as Vm;
  const inRam = (gpa: number, len: number) => gpa >= 0x80000000 && gpa + len <= 0x80001000;
  const host: GuestSbiHost = {
    setTimer: (_vm, d) => log.push(['timer', d]),
    setSoftwareInterrupt: (_vm, level) => log.push(['ssip', level]),
    fence: () => log.push(['fence']),
    stop: (_vm, o) => log.push(['stop', o]),
    readGuest: (_vm, gpa, len) => (inRam(gpa, len) ? memory.slice(gpa - 0x80000000, gpa - 0x80000000 + len) : null),
    writeGuest: (_vm, gpa, bytes) => {
      memory.set(bytes, gpa - 0x80000000);
      return true;
    },
  };
  return { host, vm, console, memory, log };
}

const call = (f: ReturnType<typeof fake>, eid: number, fid: number, ...a: number[]) => guestSbiCall(f.host, f.vm, eid, fid, [...a, 0, 0, 0, 0, 0, 0].slice(0, 6));

describe('guest SBI', () => {
  it('Base: version 2.0, probe says which extensions exist', () => {
    const f = fake();
    expect(call(f, SBI_EXT_BASE, 0)).toEqual({ legacy: false, error: 0, value: 0x02000000 });
    expect(call(f, SBI_EXT_BASE, 3, SBI_EXT_DBCN).value).toBe(1);
    expect(call(f, SBI_EXT_BASE, 3, 0x08485652).value).toBe(0); // the PV extension: not under nested
    expect(call(f, 0x12345678, 0).error).toBe(SBI_ERR_NOT_SUPPORTED);
    expect(call(f, SBI_EXT_TIME, 1).error).toBe(SBI_ERR_NOT_SUPPORTED);
  });

  it('TIME takes a 64-bit deadline; IPI to hart 0; HSM for the one hart', () => {
    const f = fake();
    call(f, SBI_EXT_TIME, 0, 5, 1);
    call(f, SBI_EXT_IPI, 0, 1, 0);
    expect(call(f, SBI_EXT_IPI, 0, 1, 3).error).toBe(SBI_ERR_INVALID_PARAM);
    expect(f.log).toEqual([['timer', 2 ** 32 + 5], ['ssip', true]]);
    expect(call(f, SBI_EXT_HSM, 2, 0)).toMatchObject({ error: 0, value: 0 });
    expect(call(f, SBI_EXT_HSM, 0, 0).error).toBe(-6);
    expect(call(f, SBI_EXT_HSM, 1).error).toBe(-1);
  });

  it('SRST stops the VM: shutdown passes, system failure fails, bad arguments are refused', () => {
    const f = fake();
    expect(call(f, SBI_EXT_SRST, 0, 3, 0).error).toBe(SBI_ERR_INVALID_PARAM);
    call(f, SBI_EXT_SRST, 0, 0, 1);
    call(f, SBI_EXT_SRST, 0, 0, 0);
    expect(f.log).toEqual([
      ['stop', { kind: 'fail', code: 1, how: 'SBI system reset: system failure' }],
      ['stop', { kind: 'pass', how: 'SBI system reset: shutdown' }],
    ]);
  });

  it('DBCN writes from guest RAM, reads console input into it, refuses addresses outside it', () => {
    const f = fake('ok');
    f.memory.set(new TextEncoder().encode('hey'), 0x10);
    expect(call(f, SBI_EXT_DBCN, 0, 3, 0x80000010, 0)).toMatchObject({ error: 0, value: 3 });
    expect(call(f, SBI_EXT_DBCN, 0, 3, 0x80000ffe, 0).error).toBe(SBI_ERR_INVALID_PARAM);
    expect(call(f, SBI_EXT_DBCN, 0, 1, 0x80000010, 1).error).toBe(SBI_ERR_INVALID_PARAM); // above 4 GiB
    expect(call(f, SBI_EXT_DBCN, 1, 8, 0x80000100, 0)).toMatchObject({ error: 0, value: 2 });
    expect(new TextDecoder().decode(f.memory.slice(0x100, 0x102))).toBe('ok');
    call(f, SBI_EXT_DBCN, 2, 0x21);
    expect(f.console.text()).toBe('hey!');
  });

  it('legacy calls answer in a0 only', () => {
    const f = fake('q');
    expect(call(f, 2, 0)).toEqual({ legacy: true, error: 0x71, value: 0 });
    expect(call(f, 2, 0).error).toBe(-1);
    call(f, 1, 0, 0x41);
    call(f, 0, 0, 7, 0);
    call(f, 8, 0);
    expect(f.console.text()).toBe('A');
    expect(f.log).toEqual([['timer', 7], ['stop', { kind: 'pass', how: 'SBI legacy shutdown' }]]);
  });
});
