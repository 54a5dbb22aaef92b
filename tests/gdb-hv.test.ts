// gdb-multiarch against `hvrr debug --gdb` on a two-VM hypervisor trace: one thread per
// VM (thread 1 the machine, thread N + 2 VM N), named in `info threads`; `thread N` and
// a thread-specific breakpoint look at and stop in one VM; register and memory reads
// (memory through that VM's own tables) equal an independent forward replay's.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSR } from '@hvrr/cpu';
import { replayFile } from '@hvrr/replayer';
import { ensureBuilt, hvrr, REPO_ROOT } from './support/hvrr-cli.js';

const haveGdb = spawnSync('gdb-multiarch', ['--version']).status === 0;
const KERNEL = join(REPO_ROOT, 'packages/guests/images/kernel.elf');
const TRAP_ENTRY = 0x80400038; // both VMs' kernels: the trap vector (llvm-nm trap_entry)

interface RefVm {
  id: number;
  vcpu: { x: Int32Array; pc: number; csr: Int32Array };
}
interface RefHv {
  vms: RefVm[];
  current: RefVm | null;
  readGuest(vm: RefVm, gpa: number, len: number): Uint8Array | null;
}

/** A word of guest-physical memory in the reference run (the hypervisor's own readGuest). */
function guestWord(hv: RefHv, vm: RefVm, gpa: number): number {
  const b = hv.readGuest(vm, gpa, 4)!;
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/** An Sv32 walk of the VM's own tables (vsatp), written here from the privileged spec: guest-virtual to guest-physical. */
function guestPhysical(hv: RefHv, vm: RefVm, vsatp: number, va: number): number {
  if (vsatp >= 0) return va;
  const l1 = guestWord(hv, vm, (vsatp & 0x3fffff) * 4096 + (va >>> 22) * 4);
  if ((l1 & 0xe) !== 0) return (l1 >>> 20) * 0x400000 + (va & 0x3fffff);
  const l0 = guestWord(hv, vm, (l1 >>> 10) * 4096 + ((va >>> 12) & 0x3ff) * 4);
  return (l0 >>> 10) * 4096 + (va & 0xfff);
}

describe.skipIf(!haveGdb)('gdb-multiarch on a two-VM trace: one thread per VM', () => {
  let dir = '';
  let trace = '';
  let server: ChildProcess | null = null;

  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'hvrr-gdb-hv-'));
    trace = join(dir, 'two.hvrr');
    const r = hvrr(['record', '--hv', KERNEL, '--bootargs', 'init=hello', '--vm', `image=${KERNEL},bootargs=init=forkwait -- 3`, '--level', 'events', '-o', trace]);
    expect(r.status, r.stderr).toBe(0);
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists and names the threads, reads a chosen VM, stops in it, steps in it both ways', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/hvrr.js'), 'debug', trace, '--gdb', '0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let err = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`hvrr debug exited: ${err}`)));
    });
    expect(err).toContain('threads: 1 = the machine, 2 = vm0, 3 = vm1');
    const mark = (name: string) => `echo @@${name}\\n`;
    const commands = [
      'set architecture riscv:rv32',
      'set confirm off',
      'set pagination off',
      `target remote 127.0.0.1:${port}`,
      mark('threads'),
      'info threads',
      // The machine's thread steps the machine (gdb waits for thread 1 to report the step).
      'thread 1',
      'stepi',
      mark('machine-stepi'),
      'monitor where',
      'thread 3',
      mark('vm1-start'),
      'info registers pc',
      `break *0x${TRAP_ENTRY.toString(16)} thread 3`,
      'continue',
      mark('vm1-trap'),
      'monitor where',
      'info registers pc sp a0 a7',
      'x/4wx $sp',
      'info threads',
      'thread 2',
      mark('vm0-there'),
      'info registers pc sp',
      'x/4wx $sp',
      'thread 3',
      'stepi',
      mark('vm1-stepi'),
      'monitor where',
      'info registers pc',
      'reverse-stepi',
      mark('vm1-reverse-stepi'),
      'monitor where',
      'info registers pc',
      'detach',
    ];
    // stdout and stderr into one file, in order: `monitor` replies go to gdb's stderr.
    const log = join(dir, 'gdb.out');
    const fd = openSync(log, 'w');
    const gdb = spawn('gdb-multiarch', ['-nx', '-batch', ...commands.flatMap((c) => ['-ex', c]), KERNEL], { stdio: ['ignore', fd, fd] });
    const killer = setTimeout(() => gdb.kill(), 60_000);
    await new Promise((resolve) => gdb.on('exit', resolve));
    clearTimeout(killer);
    closeSync(fd);
    expect(await exited).toBe(0);
    const out = readFileSync(log, 'utf8');
    const block = (name: string) => {
      const at = out.indexOf(`@@${name}\n`);
      expect(at, `${name} in:\n${out}`).toBeGreaterThanOrEqual(0);
      const next = out.indexOf('@@', at + 2);
      return out.slice(at, next < 0 ? undefined : next);
    };
    const reg = (text: string, name: string) => parseInt(new RegExp(`^${name}\\s+0x([0-9a-f]+)`, 'm').exec(text)?.[1] ?? 'NaN', 16);
    const words = (text: string) => (/^0x[0-9a-f]+(?: <[^>]+>)?:\s+(.*)$/m.exec(text)?.[1] ?? '').trim().split(/\s+/).map((w) => parseInt(w, 16));

    // Three threads, named by what each is at the start.
    const threads = block('threads');
    expect(threads).toMatch(/1 +Thread 1 \(machine \(vm0 on the hart\)\)/);
    expect(threads).toMatch(/\* 2 +Thread 2 \(vm0 \(VS, on the hart\)\)/);
    expect(threads).toMatch(/3 +Thread 3 \(vm1 \(VS, switched out\)\)/);
    expect(block('machine-stepi')).toMatch(/VM 0 \(its icount 1\), icount 1 of \d+, VS-mode, pc 0x80400004/);
    expect(reg(block('vm1-start'), 'pc')).toBe(0x80400000); // vm1 has not run: its entry

    // The thread-specific breakpoint stops in vm1, with vm1 on the hart.
    const trap = block('vm1-trap');
    const where = /vm1 \(on the hart\), (V[SU])-mode, pc 0x80400038, vm1 icount (\d+) of \d+, machine icount (\d+) of/.exec(trap);
    expect(where, trap).not.toBeNull();
    const vm1Count = Number(where![2]);
    const machineAt = Number(where![3]);
    expect(out).toMatch(/Thread 3 hit Breakpoint 1, 0x80400038 in trap_entry/);
    expect(trap).toMatch(/\* 3 +Thread 3 \(vm1 \(VS, on the hart\)\)/);
    const vm0There = block('vm0-there');

    const { replayer, reader } = await replayFile(trace, { verify: false, until: machineAt, output: null });
    try {
      const m = replayer.machine;
      const hv = m.host as unknown as RefHv;
      expect(hv.current?.id).toBe(1);
      // vm1: on the hart in the replay too; registers and its stack through its own tables. The
      // replay stops at the count's first state, the instruction that traps to the vector (a
      // trap retires nothing): the pc differs by that trap alone.
      expect(reg(trap, 'pc')).toBe(TRAP_ENTRY);
      expect(m.hart.csr[CSR.vstvec]! >>> 0).toBe(TRAP_ENTRY);
      expect(reg(trap, 'sp')).toBe(m.hart.x[2]! >>> 0);
      expect(reg(trap, 'a0')).toBe(m.hart.x[10]! >>> 0);
      expect(reg(trap, 'a7')).toBe(m.hart.x[17]! >>> 0);
      const vm1 = hv.vms[1]!;
      const sp1 = m.hart.x[2]! >>> 0;
      const gpa1 = guestPhysical(hv, vm1, m.hart.csr[CSR.vsatp]!, sp1);
      expect(words(trap)).toEqual([0, 4, 8, 12].map((k) => guestWord(hv, vm1, gpa1 + k)));
      // vm0 at the same machine position: its saved vCPU (switched out or stopped) and its memory, not vm1's.
      const vm0 = hv.vms[0]!;
      const pc0 = (vm0.vcpu as unknown as { virt: number }).virt === 0 ? vm0.vcpu.csr[CSR.sepc]! : vm0.vcpu.pc;
      expect(reg(vm0There, 'pc')).toBe(pc0 >>> 0);
      expect(reg(vm0There, 'sp')).toBe(vm0.vcpu.x[2]! >>> 0);
      const sp0 = vm0.vcpu.x[2]! >>> 0;
      const gpa0 = guestPhysical(hv, vm0, vm0.vcpu.csr[CSR.vsatp]!, sp0);
      expect(words(vm0There)).toEqual([0, 4, 8, 12].map((k) => guestWord(hv, vm0, gpa0 + k)));
    } finally {
      reader.close();
    }

    // stepi in thread 3 is vm1's next instruction; reverse-stepi its previous one.
    const stepped = block('vm1-stepi');
    expect(stepped).toMatch(new RegExp(`vm1 \\(on the hart\\), VS-mode, pc 0x8040003c, vm1 icount ${vm1Count + 1} of`));
    expect(reg(stepped, 'pc')).toBe(TRAP_ENTRY + 4);
    const back = block('vm1-reverse-stepi');
    expect(back).toMatch(new RegExp(`vm1 \\(on the hart\\), V[SU]-mode, pc 0x[0-9a-f]{8}, vm1 icount ${vm1Count} of`));
  });
});
