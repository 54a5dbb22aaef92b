import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BoardDescription,
  buildDeviceTree,
  deviceTreeBootargs,
  deviceTreeCells,
  deviceTreeStrings,
  type DeviceTreeNode,
  findDeviceTreeNode,
  flattenDeviceTree,
  parseDeviceTree,
} from './device-tree.js';

// The board of issue 2: QEMU virt's memory map, 128 MiB of RAM.
const virt: BoardDescription = {
  memBase: 0x80000000,
  memSize: 128 * 1024 * 1024,
  harts: 1,
  isa: 'rv32imasu',
  mmuType: 'riscv,sv32',
  timebaseFrequency: 10_000_000,
  uart: { base: 0x10000000, size: 0x100, clockFrequency: 3686400 },
  clint: { base: 0x2000000, size: 0x10000 },
  finisher: { base: 0x100000, size: 0x1000 },
  bootargs: 'console=ttyS0 earlycon=sbi',
};

function at(root: DeviceTreeNode, path: string): DeviceTreeNode {
  const n = findDeviceTreeNode(root, path);
  if (n === undefined) throw new Error(`no node ${path}`);
  return n;
}
const str = (n: DeviceTreeNode, prop: string) => deviceTreeStrings(n.props.get(prop) ?? fail(prop));
const num = (n: DeviceTreeNode, prop: string) => deviceTreeCells(n.props.get(prop) ?? fail(prop));
function fail(prop: string): never {
  throw new Error(`missing property ${prop}`);
}

const hasDtc = spawnSync('dtc', ['--version']).status === 0;

describe('buildDeviceTree', () => {
  const blob = buildDeviceTree(virt);
  const root = parseDeviceTree(blob);

  it('writes a version 17 header that describes the blob', () => {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    expect(view.getUint32(0)).toBe(0xd00dfeed);
    expect(view.getUint32(4)).toBe(blob.length); // totalsize
    expect(view.getUint32(20)).toBe(17); // version
    expect(view.getUint32(24)).toBe(16); // last_comp_version
    expect(blob.length % 8).toBe(0);
    expect(blob.length).toBeLessThan(4096);
    // The structure block ends with FDT_END.
    const structEnd = view.getUint32(8) + view.getUint32(36);
    expect(view.getUint32(structEnd - 4)).toBe(9);
  });

  it('is deterministic', () => {
    expect(buildDeviceTree({ ...virt })).toEqual(blob);
  });

  it('describes the root, memory and /chosen', () => {
    expect(root.name).toBe('');
    expect(num(root, '#address-cells')).toEqual([2]);
    expect(num(root, '#size-cells')).toEqual([2]);
    expect(str(root, 'compatible')).toEqual(['riscv-virtio']);
    const memory = at(root, '/memory@80000000');
    expect(str(memory, 'device_type')).toEqual(['memory']);
    expect(num(memory, 'reg')).toEqual([0, 0x80000000, 0, 0x8000000]);
    const chosen = at(root, '/chosen');
    expect(str(chosen, 'bootargs')).toEqual(['console=ttyS0 earlycon=sbi']);
    expect(str(chosen, 'stdout-path')).toEqual(['/soc/serial@10000000']);
    // stdout-path names a node that exists.
    expect(findDeviceTreeNode(root, str(chosen, 'stdout-path')[0]!)).toBeDefined();
  });

  it('describes the cpu and its interrupt controller', () => {
    const cpus = at(root, '/cpus');
    expect(num(cpus, '#address-cells')).toEqual([1]);
    expect(num(cpus, '#size-cells')).toEqual([0]);
    expect(num(cpus, 'timebase-frequency')).toEqual([10_000_000]);
    expect(cpus.children.map((c) => c.name)).toEqual(['cpu@0']);
    const cpu = at(root, '/cpus/cpu@0');
    expect(str(cpu, 'device_type')).toEqual(['cpu']);
    expect(num(cpu, 'reg')).toEqual([0]);
    expect(str(cpu, 'status')).toEqual(['okay']);
    expect(str(cpu, 'compatible')).toEqual(['riscv']);
    expect(str(cpu, 'riscv,isa')).toEqual(['rv32imasu']);
    expect(str(cpu, 'riscv,isa-base')).toEqual(['rv32i']);
    expect(str(cpu, 'riscv,isa-extensions')).toEqual(['i', 'm', 'a', 'zicsr', 'zifencei']);
    expect(str(cpu, 'mmu-type')).toEqual(['riscv,sv32']);
    const intc = at(root, '/cpus/cpu@0/interrupt-controller');
    expect(str(intc, 'compatible')).toEqual(['riscv,cpu-intc']);
    expect(num(intc, '#interrupt-cells')).toEqual([1]);
    expect(intc.props.get('interrupt-controller')).toEqual(new Uint8Array(0));
    expect(num(intc, 'phandle')).toHaveLength(1);
  });

  it('describes the devices on /soc, the CLINT wired to the cpu intc', () => {
    const soc = at(root, '/soc');
    expect(str(soc, 'compatible')).toEqual(['simple-bus']);
    expect(soc.props.get('ranges')).toEqual(new Uint8Array(0));
    expect(num(soc, '#address-cells')).toEqual([2]);
    expect(num(soc, '#size-cells')).toEqual([2]);

    const serial = at(root, '/soc/serial@10000000');
    expect(str(serial, 'compatible')).toEqual(['ns16550a']);
    expect(num(serial, 'reg')).toEqual([0, 0x10000000, 0, 0x100]);
    expect(num(serial, 'clock-frequency')).toEqual([3686400]);

    const clint = at(root, '/soc/clint@2000000');
    expect(str(clint, 'compatible')).toEqual(['sifive,clint0', 'riscv,clint0']);
    expect(num(clint, 'reg')).toEqual([0, 0x2000000, 0, 0x10000]);
    const [phandle] = num(at(root, '/cpus/cpu@0/interrupt-controller'), 'phandle');
    expect(num(clint, 'interrupts-extended')).toEqual([phandle, 3, phandle, 7]);

    const test = at(root, '/soc/test@100000');
    expect(str(test, 'compatible')).toEqual(['sifive,test1', 'sifive,test0', 'syscon']);
    expect(num(test, 'reg')).toEqual([0, 0x100000, 0, 0x1000]);
  });

  it('has no /reserved-memory unless asked', () => {
    expect(findDeviceTreeNode(root, '/reserved-memory')).toBeUndefined();
  });

  it('adds /reserved-memory children with no-map', () => {
    const r = parseDeviceTree(
      buildDeviceTree({ ...virt, reservedMemory: [{ base: 0x80000000, size: 0x40000, name: 'mmode_resv0' }] }),
    );
    const resv = at(r, '/reserved-memory');
    expect(num(resv, '#address-cells')).toEqual([2]);
    expect(num(resv, '#size-cells')).toEqual([2]);
    expect(resv.props.has('ranges')).toBe(true);
    const region = at(r, '/reserved-memory/mmode_resv0@80000000');
    expect(num(region, 'reg')).toEqual([0, 0x80000000, 0, 0x40000]);
    expect(region.props.get('no-map')).toEqual(new Uint8Array(0));
  });

  it("adds 'h' to the extensions when the isa has the H extension", () => {
    const r = parseDeviceTree(buildDeviceTree({ ...virt, isa: 'rv32imahsu' }));
    expect(str(at(r, '/cpus/cpu@0'), 'riscv,isa-extensions')).toEqual(['i', 'm', 'a', 'h', 'zicsr', 'zifencei']);
    // An 'h' inside a multi-letter extension name does not count.
    const z = parseDeviceTree(buildDeviceTree({ ...virt, isa: 'rv32ima_zihintpause' }));
    expect(str(at(z, '/cpus/cpu@0'), 'riscv,isa-extensions')).not.toContain('h');
  });

  it('gives each hart a cpu node and the CLINT an interrupt pair per hart', () => {
    const r = parseDeviceTree(buildDeviceTree({ ...virt, harts: 2 }));
    expect(at(r, '/cpus').children.map((c) => c.name)).toEqual(['cpu@0', 'cpu@1']);
    expect(num(at(r, '/cpus/cpu@1'), 'reg')).toEqual([1]);
    const p0 = num(at(r, '/cpus/cpu@0/interrupt-controller'), 'phandle')[0]!;
    const p1 = num(at(r, '/cpus/cpu@1/interrupt-controller'), 'phandle')[0]!;
    expect(p0).not.toBe(p1);
    expect(num(at(r, '/soc/clint@2000000'), 'interrupts-extended')).toEqual([p0, 3, p0, 7, p1, 3, p1, 7]);
  });

  it('rejects a board it cannot describe', () => {
    expect(() => buildDeviceTree({ ...virt, harts: 0 })).toThrow(/harts/);
    expect(() => buildDeviceTree({ ...virt, isa: 'rv64imac' })).toThrow(/not rv32/);
  });

  it('encodes RAM above 4 GiB in the high cell', () => {
    const r = parseDeviceTree(buildDeviceTree({ ...virt, memBase: 0x100000000, memSize: 0x100000000 }));
    expect(num(at(r, '/memory@100000000'), 'reg')).toEqual([1, 0, 1, 0]);
  });
});

describe('deviceTreeBootargs', () => {
  it('reads /chosen/bootargs back, including an empty one', () => {
    expect(deviceTreeBootargs(buildDeviceTree(virt))).toBe('console=ttyS0 earlycon=sbi');
    expect(deviceTreeBootargs(buildDeviceTree({ ...virt, bootargs: '' }))).toBe('');
    expect(deviceTreeBootargs(buildDeviceTree({ ...virt, bootargs: 'root=/dev/vda ro quiet' }))).toBe('root=/dev/vda ro quiet');
  });

  it('is undefined for a tree without bootargs', () => {
    const bare = flattenDeviceTree({ name: '', props: new Map(), children: [{ name: 'chosen', props: new Map(), children: [] }] });
    expect(deviceTreeBootargs(bare)).toBeUndefined();
  });
});

describe('parseDeviceTree', () => {
  const blob = buildDeviceTree(virt);

  it('round-trips an arbitrary tree through flattenDeviceTree', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9,._+-]{0,12}(@[0-9a-f]{1,8})?$/);
    const props = fc
      .uniqueArray(fc.tuple(name, fc.uint8Array({ maxLength: 24 })), { selector: ([k]) => k, maxLength: 5 })
      .map((entries) => new Map(entries));
    // Trees up to four levels deep, up to three children a node.
    const treeOfDepth = (depth: number): fc.Arbitrary<DeviceTreeNode> =>
      fc.record({
        name,
        props,
        children: depth === 0 ? fc.constant([]) : fc.array(treeOfDepth(depth - 1), { maxLength: 3 }),
      });
    const rootArb = treeOfDepth(3).map((t) => ({ ...t, name: '' }));
    fc.assert(
      fc.property(rootArb, (root) => {
        expect(parseDeviceTree(flattenDeviceTree(root))).toEqual(root);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed blobs with a device tree error', () => {
    const patched = (offset: number, value: number) => {
      const b = blob.slice();
      new DataView(b.buffer).setUint32(offset, value);
      return b;
    };
    expect(() => parseDeviceTree(new Uint8Array(10))).toThrow(/shorter than the header/);
    expect(() => parseDeviceTree(patched(0, 0xfeedd00d))).toThrow(/bad magic/);
    expect(() => parseDeviceTree(patched(4, blob.length + 8))).toThrow(/total size/);
    expect(() => parseDeviceTree(patched(20, 15))).toThrow(/unsupported version 15/);
    expect(() => parseDeviceTree(patched(36, blob.length))).toThrow(/structure block out of bounds/);
    expect(() => parseDeviceTree(blob.subarray(0, blob.length - 16))).toThrow(/total size/);
    // Replace the first token (FDT_BEGIN_NODE of the root) by an unknown one.
    const structOffset = new DataView(blob.buffer).getUint32(8);
    expect(() => parseDeviceTree(patched(structOffset, 7))).toThrow(/unknown token 7/);
  });

  it('only ever throws "device tree:" errors on corrupted blobs', () => {
    const check = (b: Uint8Array) => {
      try {
        parseDeviceTree(b);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toMatch(/^device tree: /);
      }
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(blob.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(blob.length),
        (edits, length) => {
          const b = blob.slice(0, length);
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          check(b);
        },
      ),
      { numRuns: 3000 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), check), { numRuns: 1000 });
  });
});

describe('dtc accepts the blob', () => {
  it.skipIf(!hasDtc)('decompiles without errors or warnings, and recompiles to the same tree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvrr-dtb-'));
    try {
      const dtb = join(dir, 'virt.dtb');
      const again = join(dir, 'again.dtb');
      writeFileSync(dtb, buildDeviceTree({ ...virt, reservedMemory: [{ base: 0x80000000, size: 0x40000, name: 'mmode_resv0' }] }));
      const dts = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', dtb], { encoding: 'utf8' });
      expect(dts.status).toBe(0);
      expect(dts.stderr).toBe('');
      expect(dts.stdout).toContain('bootargs = "console=ttyS0 earlycon=sbi";');
      expect(dts.stdout).toContain('compatible = "sifive,test1\\0sifive,test0\\0syscon";');
      execFileSync('dtc', ['-I', 'dts', '-O', 'dtb', '-o', again], { input: dts.stdout });
      expect(parseDeviceTree(readFileSync(again))).toEqual(parseDeviceTree(readFileSync(dtb)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// QEMU's own virt tree: our parser must read a blob we did not write, and every node
// we emit (bar /reserved-memory, which firmware adds there) must sit at the same path
// with the same compatible strings, so a kernel finds the devices where QEMU puts them.
describe('agreement with QEMU virt', () => {
  const hasQemu = spawnSync('qemu-system-riscv32', ['--version']).status === 0;
  it.skipIf(!hasQemu)('has the same paths and compatibles as the tree QEMU dumps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvrr-dtb-'));
    try {
      const dumped = join(dir, 'qemu.dtb');
      spawnSync('qemu-system-riscv32', ['-machine', `virt,dumpdtb=${dumped}`, '-bios', 'none', '-nographic'], { stdio: 'ignore' });
      const qemu = parseDeviceTree(readFileSync(dumped));
      expect(deviceTreeStrings(at(qemu, '/chosen').props.get('stdout-path')!)).toEqual(['/soc/serial@10000000']);

      const ours = parseDeviceTree(buildDeviceTree(virt));
      const paths: string[] = [];
      const walk = (n: DeviceTreeNode, path: string) => {
        paths.push(path || '/');
        n.children.forEach((c) => walk(c, `${path}/${c.name}`));
      };
      walk(ours, '');
      expect(paths.length).toBeGreaterThan(8);
      for (const path of paths) {
        const theirs = at(qemu, path);
        const mine = at(ours, path);
        if (mine.props.has('compatible')) expect(str(mine, 'compatible'), path).toEqual(str(theirs, 'compatible'));
        if (mine.props.has('reg')) expect(num(mine, 'reg'), path).toEqual(num(theirs, 'reg'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
