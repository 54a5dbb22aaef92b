import { describe, expect, it } from 'vitest';
import { BufferConsole } from '@hvrr/machine';
import { VmConsole } from './vm-console.js';

const put = (c: VmConsole, s: string) => [...s].forEach((ch) => c.write(ch.charCodeAt(0)));

describe('VmConsole', () => {
  it('prefixes every line with [vmN] when several VMs share the console', () => {
    const host = new BufferConsole();
    const a = new VmConsole(host, 0, true, true);
    const b = new VmConsole(host, 1, true, false);
    put(a, 'one\n');
    put(b, 'two\nthree\n');
    put(a, 'four');
    expect(host.text()).toBe('[vm0] one\n[vm1] two\n[vm1] three\n[vm0] four');
  });

  it('leaves a single VM unprefixed, and gives input to the VM that takes it only', () => {
    const host = new BufferConsole(new TextEncoder().encode('x'));
    const solo = new VmConsole(host, 0, false, true);
    const other = new VmConsole(host, 1, false, false);
    put(solo, 'hi\n');
    expect(host.text()).toBe('hi\n');
    expect(other.hasInput()).toBe(false);
    expect(other.read()).toBe(-1);
    expect(solo.hasInput()).toBe(true);
    expect(solo.read()).toBe(0x78);
  });
});
