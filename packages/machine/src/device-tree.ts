// The flattened device tree (DTB) that hvrr hands to a guest in a1 at reset, and a
// small parser for it.
//
// The format is the devicetree specification's "Flattened Devicetree (DTB) Format",
// version 17: a header, a memory reservation block, a structure block of big-endian
// tokens, and a strings block holding property names. The tree's layout and naming
// follow QEMU's riscv `virt` board for rv32, so a kernel that boots there finds the
// same nodes here. The blob is built from the board description alone (no random
// seed, no host state), so it is identical from run to run.

/** What the guest should be told about the board. */
export interface BoardDescription {
  /** RAM */
  memBase: number;
  memSize: number;
  harts: number;
  /** riscv,isa, e.g. 'rv32imasu'; 'h' among its single letters adds 'h' to riscv,isa-extensions. */
  isa: string;
  /** 'riscv,sv32' */
  mmuType: string;
  timebaseFrequency: number;
  uart: { base: number; size: number; clockFrequency: number };
  /** Absent on a VM's board (guests under the hypervisor use the SBI timer). */
  clint?: { base: number; size: number };
  finisher?: { base: number; size: number };
  /** /chosen/bootargs */
  bootargs: string;
  /** /reserved-memory children, all no-map (e.g. the firmware's own RAM). */
  reservedMemory?: { base: number; size: number; name: string }[];
}

export interface DeviceTreeNode {
  /** Node name with its unit address, e.g. 'serial@10000000'; '' for the root. */
  name: string;
  /** Raw property values, in the order they appear in the blob. */
  props: Map<string, Uint8Array>;
  children: DeviceTreeNode[];
}

// Structure block tokens and header constants (devicetree specification, chapter 5).
const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;
const FDT_VERSION = 17;
const FDT_LAST_COMP_VERSION = 16;
const HEADER_SIZE = 40;

// Interrupt causes the CLINT raises at each hart (privileged spec mcause codes).
const MACHINE_SOFTWARE_INTERRUPT = 3;
const MACHINE_TIMER_INTERRUPT = 7;

/** Build the DTB describing `board`. */
export function buildDeviceTree(board: BoardDescription): Uint8Array {
  if (!Number.isInteger(board.harts) || board.harts < 1) {
    throw new Error(`device tree: harts must be a positive integer, not ${board.harts}`);
  }
  if (!/^rv32/.test(board.isa)) throw new Error(`device tree: isa '${board.isa}' is not rv32`);

  // The phandle of hart h's interrupt controller, referenced by the CLINT.
  const intcPhandle = (hart: number) => hart + 1;
  const harts = Array.from({ length: board.harts }, (_, h) => h);
  const serialPath = `/soc/${unitName('serial', board.uart.base)}`;

  const root = node('', [
    // Two cells for addresses and sizes at the root and on /soc, as QEMU virt does even
    // for rv32, so kernels parse `reg` with the cell counts they expect.
    ['#address-cells', cells(2)],
    ['#size-cells', cells(2)],
    ['compatible', strings('riscv-virtio')],
    ['model', strings('hvrr,virt')],
  ], [
    node('chosen', [
      ['bootargs', strings(board.bootargs)],
      ['stdout-path', strings(serialPath)],
    ]),
    node(unitName('memory', board.memBase), [
      ['device_type', strings('memory')],
      ['reg', reg(board.memBase, board.memSize)],
    ]),
    ...reservedMemoryNodes(board.reservedMemory ?? []),
    node('cpus', [
      ['#address-cells', cells(1)],
      ['#size-cells', cells(0)],
      ['timebase-frequency', cells(board.timebaseFrequency)],
    ], harts.map((h) => cpuNode(board, h, intcPhandle(h)))),
    node('soc', [
      ['#address-cells', cells(2)],
      ['#size-cells', cells(2)],
      ['compatible', strings('simple-bus')],
      ['ranges', new Uint8Array(0)], // identity mapping onto the root's address space
    ], [
      node(unitName('serial', board.uart.base), [
        ['compatible', strings('ns16550a')],
        ['reg', reg(board.uart.base, board.uart.size)],
        ['clock-frequency', cells(board.uart.clockFrequency)],
      ]),
      ...(board.clint === undefined ? [] : [node(unitName('clint', board.clint.base), [
        ['compatible', strings('sifive,clint0', 'riscv,clint0')],
        ['reg', reg(board.clint.base, board.clint.size)],
        // Per hart: its software interrupt and its timer interrupt.
        ['interrupts-extended', cells(...harts.flatMap((h) => [
          intcPhandle(h), MACHINE_SOFTWARE_INTERRUPT,
          intcPhandle(h), MACHINE_TIMER_INTERRUPT,
        ]))],
      ])]),
      ...(board.finisher === undefined ? [] : [node(unitName('test', board.finisher.base), [
        ['compatible', strings('sifive,test1', 'sifive,test0', 'syscon')],
        ['reg', reg(board.finisher.base, board.finisher.size)],
      ])]),
    ]),
  ]);
  return flattenDeviceTree(root);
}

function cpuNode(board: BoardDescription, hart: number, intcPhandle: number): DeviceTreeNode {
  // The ISA as the newer bindings spell it, alongside the riscv,isa string older
  // kernels read. Canonical order: single letters (I M A ... H), then Z extensions.
  const letters = board.isa.slice(4).split('_')[0]!;
  const extensions = ['i', 'm', 'a', ...(letters.includes('h') ? ['h'] : []), 'zicsr', 'zifencei'];
  return node(unitName('cpu', hart), [
    ['device_type', strings('cpu')],
    ['reg', cells(hart)],
    ['status', strings('okay')],
    ['compatible', strings('riscv')],
    ['riscv,isa', strings(board.isa)],
    ['riscv,isa-base', strings('rv32i')],
    ['riscv,isa-extensions', strings(...extensions)],
    ['mmu-type', strings(board.mmuType)],
  ], [
    node('interrupt-controller', [
      ['#interrupt-cells', cells(1)],
      // No child addresses; stated so dtc's interrupt-provider check has nothing to warn about.
      ['#address-cells', cells(0)],
      ['interrupt-controller', new Uint8Array(0)],
      ['compatible', strings('riscv,cpu-intc')],
      ['phandle', cells(intcPhandle)],
    ]),
  ]);
}

function reservedMemoryNodes(regions: { base: number; size: number; name: string }[]): DeviceTreeNode[] {
  if (regions.length === 0) return [];
  return [
    node('reserved-memory', [
      ['#address-cells', cells(2)],
      ['#size-cells', cells(2)],
      ['ranges', new Uint8Array(0)],
    ], regions.map((r) => node(unitName(r.name, r.base), [
      ['reg', reg(r.base, r.size)],
      // The OS must neither use nor map it: the firmware owns it (as OpenSBI's regions).
      ['no-map', new Uint8Array(0)],
    ]))),
  ];
}

// ---------------------------------------------------------------------------
// Building blocks for nodes and property values.
// ---------------------------------------------------------------------------

function node(name: string, props: [string, Uint8Array][], children: DeviceTreeNode[] = []): DeviceTreeNode {
  return { name, props: new Map(props), children };
}

/** `name@address` with the address in lowercase hex without leading zeros, as the spec asks. */
function unitName(name: string, address: number): string {
  return `${name}@${address.toString(16)}`;
}

/** Big-endian 32-bit cells. */
function cells(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0));
  return out;
}

/** A (base, size) pair in two address cells and two size cells. */
function reg(base: number, size: number): Uint8Array {
  return cells(high32(base), base >>> 0, high32(size), size >>> 0);
}

function high32(n: number): number {
  return Math.floor(n / 2 ** 32) >>> 0;
}

/** A string list: each string NUL-terminated, one after another. */
function strings(...list: string[]): Uint8Array {
  return utf8Encoder.encode(list.map((s) => `${s}\0`).join(''));
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

// ---------------------------------------------------------------------------
// Flattening: header | memory reservation block | structure block | strings block.
// ---------------------------------------------------------------------------

/** Serialize a tree as a version 17 DTB with an empty memory reservation block. */
export function flattenDeviceTree(root: DeviceTreeNode): Uint8Array {
  const struct: number[] = [];
  const stringsBlock: number[] = [];
  const stringOffsets = new Map<string, number>();

  const word = (v: number) => struct.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  const bytesPadded = (bytes: Uint8Array) => {
    struct.push(...bytes);
    while (struct.length % 4) struct.push(0); // tokens are 4-byte aligned
  };
  // Property names are stored once each, in order of first use, so the blob is deterministic.
  const nameOffset = (name: string) => {
    let offset = stringOffsets.get(name);
    if (offset === undefined) {
      offset = stringsBlock.length;
      stringOffsets.set(name, offset);
      stringsBlock.push(...utf8Encoder.encode(name), 0);
    }
    return offset;
  };
  const emit = (n: DeviceTreeNode) => {
    word(FDT_BEGIN_NODE);
    bytesPadded(utf8Encoder.encode(`${n.name}\0`));
    // The spec requires all of a node's properties before its subnodes.
    for (const [name, value] of n.props) {
      word(FDT_PROP);
      word(value.length);
      word(nameOffset(name));
      bytesPadded(value);
    }
    n.children.forEach(emit);
    word(FDT_END_NODE);
  };
  emit(root);
  word(FDT_END);

  // The reservation block must be 8-byte aligned; the header's 40 bytes already are.
  // It holds only its terminating (0, 0) entry: reserved RAM is in /reserved-memory.
  const rsvmapOffset = HEADER_SIZE;
  const structOffset = rsvmapOffset + 16;
  const stringsOffset = structOffset + struct.length;
  const totalSize = align(stringsOffset + stringsBlock.length, 8);

  const blob = new Uint8Array(totalSize);
  const view = new DataView(blob.buffer);
  const header = [
    FDT_MAGIC, totalSize, structOffset, stringsOffset, rsvmapOffset,
    FDT_VERSION, FDT_LAST_COMP_VERSION, 0 /* boot_cpuid_phys */, stringsBlock.length, struct.length,
  ];
  header.forEach((v, i) => view.setUint32(i * 4, v));
  blob.set(struct, structOffset);
  blob.set(stringsBlock, stringsOffset);
  return blob;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

// ---------------------------------------------------------------------------
// Parsing, for tests and debuggers. Every read is bounds-checked, so a malformed blob
// gives an Error starting "device tree:" rather than a RangeError or a bogus tree.
// ---------------------------------------------------------------------------

/** Parse a DTB (version 16 or later) into its tree; throws Error on a malformed blob. */
export function parseDeviceTree(blob: Uint8Array): DeviceTreeNode {
  const bad = (what: string): never => {
    throw new Error(`device tree: ${what}`);
  };
  if (blob.length < HEADER_SIZE) bad(`blob of ${blob.length} bytes is shorter than the header`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const header = (i: number) => view.getUint32(i * 4);
  if (header(0) !== FDT_MAGIC) bad('bad magic number');
  const totalSize = header(1);
  const structOffset = header(2);
  const stringsOffset = header(3);
  const rsvmapOffset = header(4);
  const version = header(5);
  const lastCompVersion = header(6);
  const stringsSize = header(8);
  if (version < 16 || lastCompVersion > FDT_VERSION) bad(`unsupported version ${version}`);
  if (totalSize < HEADER_SIZE || totalSize > blob.length) bad(`total size ${totalSize} does not fit the ${blob.length}-byte blob`);
  // Version 16 headers lack size_dt_struct: the structure block then runs to its FDT_END.
  const structSize = version >= 17 ? header(9) : totalSize - structOffset;
  const within = (offset: number, size: number) => offset + size <= totalSize;
  if (!within(structOffset, structSize) || structOffset % 4 !== 0) bad('structure block out of bounds');
  if (!within(stringsOffset, stringsSize)) bad('strings block out of bounds');
  if (rsvmapOffset % 8 !== 0 || rsvmapOffset < HEADER_SIZE) bad('memory reservation block misplaced');

  // The reservation block is a list of (address, size) pairs ending with (0, 0).
  for (let at = rsvmapOffset; ; at += 16) {
    if (!within(at, 16)) bad('memory reservation block is not terminated');
    if (view.getUint32(at) === 0 && view.getUint32(at + 4) === 0 && view.getUint32(at + 8) === 0 && view.getUint32(at + 12) === 0) break;
  }

  const structEnd = structOffset + structSize;
  let at = structOffset;
  const word = (): number => {
    if (at + 4 > structEnd) bad('structure block ends without FDT_END');
    const v = view.getUint32(at);
    at += 4;
    return v;
  };
  // A NUL-terminated string in [from, limit), and the offset of its NUL.
  const cstring = (from: number, limit: number, what: string): [string, number] => {
    const end = blob.subarray(0, limit).indexOf(0, from);
    if (end < 0) bad(`${what} is not NUL-terminated`);
    return [utf8Decoder.decode(blob.subarray(from, end)), end];
  };

  // Iterative, with an explicit stack, so deep nesting cannot overflow the JS stack.
  let root: DeviceTreeNode | undefined;
  const open: DeviceTreeNode[] = [];
  for (;;) {
    const token = word();
    if (token === FDT_NOP) continue;
    if (token === FDT_BEGIN_NODE) {
      const [name, nul] = cstring(at, structEnd, 'node name');
      at = align(nul + 1, 4);
      if (root !== undefined && open.length === 0) bad('more than one root node');
      const n: DeviceTreeNode = { name, props: new Map(), children: [] };
      if (open.length === 0) {
        if (name !== '') bad(`root node has a name ('${name}')`);
        root = n;
      } else {
        open[open.length - 1]!.children.push(n);
      }
      open.push(n);
    } else if (token === FDT_PROP) {
      if (open.length === 0) bad('property outside any node');
      const length = word();
      const nameOff = word();
      if (nameOff >= stringsSize) bad('property name outside the strings block');
      const [name] = cstring(stringsOffset + nameOff, stringsOffset + stringsSize, 'property name');
      if (at + length > structEnd) bad(`property '${name}' runs past the structure block`);
      open[open.length - 1]!.props.set(name, blob.slice(at, at + length));
      at = align(at + length, 4);
    } else if (token === FDT_END_NODE) {
      if (open.pop() === undefined) bad('FDT_END_NODE without a node');
    } else if (token === FDT_END) {
      if (root === undefined) return bad('no root node');
      if (open.length !== 0) bad(`node '${open[open.length - 1]!.name}' is not closed`);
      return root;
    } else {
      bad(`unknown token ${token} at offset ${at - 4}`);
    }
  }
}

// ---------------------------------------------------------------------------
// Reading values back.
// ---------------------------------------------------------------------------

/** The node at an absolute path such as '/soc/serial@10000000'; '/' is the root. */
export function findDeviceTreeNode(root: DeviceTreeNode, path: string): DeviceTreeNode | undefined {
  let n: DeviceTreeNode | undefined = root;
  for (const part of path.split('/').filter((p) => p !== '')) {
    n = n.children.find((c) => c.name === part);
    if (n === undefined) return undefined;
  }
  return n;
}

/** A string-list property as its strings. */
export function deviceTreeStrings(value: Uint8Array): string[] {
  const text = utf8Decoder.decode(value);
  const list = text.split('\0');
  if (list[list.length - 1] === '') list.pop(); // the final terminator
  return list;
}

/** A property of 32-bit cells as numbers (a trailing partial cell is ignored). */
export function deviceTreeCells(value: Uint8Array): number[] {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return Array.from({ length: Math.floor(value.length / 4) }, (_, i) => view.getUint32(i * 4));
}

/** /chosen/bootargs of a DTB, or undefined when it has none. */
export function deviceTreeBootargs(blob: Uint8Array): string | undefined {
  const value = findDeviceTreeNode(parseDeviceTree(blob), '/chosen')?.props.get('bootargs');
  return value === undefined ? undefined : (deviceTreeStrings(value)[0] ?? '');
}
