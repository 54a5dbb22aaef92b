#!/usr/bin/env node
// Builds the guest images from source, bit for bit reproducibly:
//   images/firmware.elf  the M-mode SBI firmware (linked at 0x80000000)
//   images/kernel.elf    the S-mode kernel (0x80400000) with the user programs built in
// then the bare-metal programs (bare/build.mjs) when that folder is there.
//
//   node build.mjs            build into images/
//   node build.mjs --out DIR  build firmware.elf and kernel.elf into DIR only
//   node build.mjs --check    build into a temporary folder and fail if anything
//                             differs from the committed images (what CI runs)
//   node build.mjs --out DIR --pv-test
//                             also build DIR/firmware-pvtest.elf, a firmware that serves
//                             the PV MMU extension itself so the kernel's pv=1 path runs
//                             on QEMU (a test tool, never committed)
//
// Reproducible: clang 14 and ld.lld only, no debug info, no build id, no .comment,
// sources named by paths relative to this folder, inputs in the fixed order below.
// CLANG, LD_LLD and LLVM_STRIP override the tools.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const imagesDir = join(here, 'images');

const shared = ['src/lib/string.c', 'src/lib/format.c', 'src/lib/div64.c'];

const firmware = {
  script: 'src/firmware/firmware.ld',
  sources: ['src/firmware/start.S', 'src/firmware/firmware.c', 'src/firmware/sbi-handler.c', 'src/firmware/uart.c'],
};

const kernel = {
  script: 'src/kernel/kernel.ld',
  sources: [
    'src/kernel/entry.S',
    'src/kernel/trap-entry.S',
    'src/kernel/switch.S',
    'src/kernel/main.c',
    'src/kernel/bootargs.c',
    'src/kernel/console.c',
    'src/kernel/dtb.c',
    'src/kernel/exec.c',
    'src/kernel/page-alloc.c',
    'src/kernel/proc.c',
    'src/kernel/pt-write.c',
    'src/kernel/sbi-call.c',
    'src/kernel/syscall-handler.c',
    'src/kernel/timer.c',
    'src/kernel/trap.c',
    'src/kernel/vm.c',
    ...shared,
  ],
};

const userLibrary = ['src/user/lib/crt0.S', 'src/user/lib/syscalls.c', 'src/user/lib/printf.c', 'src/user/lib/malloc.c', ...shared];
const userScript = 'src/user/lib/user.ld';

// Built into the kernel in this order; the first is the default init.
export const programs = ['init', 'hello', 'malloc', 'forkwait', 'memtouch', 'timer', 'compute', 'fault'];

const cflags = [
  '--target=riscv32',
  '-march=rv32ima',
  '-mabi=ilp32',
  '-mcmodel=medany',
  '-mno-relax', // ld.lld 14 does not relax
  '-ffreestanding',
  '-nostdlib',
  '-nostdlibinc', // clang's own stdint.h/stdarg.h only, never the host's headers
  '-O2',
  '-std=gnu11',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-g0',
  '-fno-ident',
  '-fno-common',
  '-fno-asynchronous-unwind-tables',
  '-fno-unwind-tables',
  '-ffunction-sections',
  '-fdata-sections',
  `-ffile-prefix-map=${here}=.`,
  '-Isrc/include',
];

// --nmagic: no page alignment in the file (loaders copy each segment by offset), so no padding.
const ldflags = ['--build-id=none', '-static', '--no-dynamic-linker', '--gc-sections', '--discard-locals', '--nmagic', '-z', 'nognustack'];

const tools = {
  clang: process.env.CLANG ?? 'clang',
  lld: process.env.LD_LLD ?? 'ld.lld',
  strip: process.env.LLVM_STRIP ?? 'llvm-strip',
};

function run(command, args, cwd = here) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

function checkClang() {
  const version = run(tools.clang, ['--version']);
  // Another clang builds working images, but not the committed bytes.
  if (!/clang version 14\./.test(version)) {
    throw new Error(`${tools.clang} is not clang 14; the images would differ from the committed ones:\n${version}`);
  }
}

/** Builds firmware.elf and kernel.elf (and firmware-pvtest.elf) into outDir; returns their paths. */
export function build(outDir = imagesDir, { pvTest = false } = {}) {
  checkClang();
  const work = mkdtempSync(join(tmpdir(), 'hvrr-guests-'));
  try {
    const objects = new Map();
    // Object files live only in the work folder; the linked ELF does not name them.
    const compile = (source, extra = [], cwd = here) => {
      const key = `${cwd}:${source}:${extra.join(' ')}`;
      if (!objects.has(key)) {
        const object = join(work, 'obj', `${objects.size}-${source.replace(/[/.]/g, '_')}.o`);
        mkdirSync(dirname(object), { recursive: true });
        run(tools.clang, [...cflags, ...extra, '-c', source, '-o', object], cwd);
        objects.set(key, object);
      }
      return objects.get(key);
    };
    // Linked in the work folder, then copied: the images carry no exec bit, as in bare/.
    const link = (script, inputs, output) => {
      const linked = join(work, `linked-${output.replace(/[/.]/g, '_')}`);
      run(tools.lld, [...ldflags, '-T', script, '-o', linked, ...inputs]);
      writeFileSync(output, readFileSync(linked));
    };

    mkdirSync(outDir, { recursive: true });
    const firmwareElf = join(outDir, 'firmware.elf');
    link(firmware.script, firmware.sources.map((s) => compile(s)), firmwareElf);
    const built = [firmwareElf];
    if (pvTest) {
      const pvFlags = ['-DFIRMWARE_PV_TEST'];
      const sources = [...firmware.sources, 'src/firmware/pv-test.c'];
      const pvElf = join(outDir, 'firmware-pvtest.elf');
      link(firmware.script, sources.map((s) => compile(s, pvFlags)), pvElf);
      built.push(pvElf);
    }

    // User programs: linked at 0x10000 each, stripped, then included in the kernel.
    const userDir = join(work, 'user');
    mkdirSync(userDir);
    const userFlags = ['-Isrc/user/lib'];
    const library = userLibrary.map((s) => compile(s, userFlags));
    for (const name of programs) {
      const elf = join(userDir, `${name}.elf`);
      link(userScript, [...library, compile(`src/user/programs/${name}.c`, userFlags)], elf);
      run(tools.strip, ['--strip-all', elf]);
    }
    // Compiled from inside the work folder so only relative names reach the object.
    writeFileSync(join(work, 'programs.S'), programsAssembly());
    const programsObject = compile('programs.S', [`-I${here}/src/include`], work);

    const kernelElf = join(outDir, 'kernel.elf');
    link(kernel.script, [...kernel.sources.map((s) => compile(s)), programsObject], kernelElf);
    return [...built, kernelElf];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// The table of built-in programs (struct program in src/kernel/programs.h).
function programsAssembly() {
  const lines = [
    '// Generated by build.mjs: the user programs built into the kernel.',
    '  .section .rodata.builtin_programs, "a"',
    '  .balign 4',
    '  .globl builtin_programs',
    'builtin_programs:',
  ];
  programs.forEach((_, i) => lines.push(`  .word program_name_${i}, program_elf_${i}, program_end_${i} - program_elf_${i}`));
  lines.push('  .word 0, 0, 0');
  programs.forEach((name, i) => {
    lines.push(`program_name_${i}:`, `  .asciz "${name}"`);
  });
  programs.forEach((name, i) => {
    lines.push('  .balign 4', `program_elf_${i}:`, `  .incbin "user/${name}.elf"`, `program_end_${i}:`);
  });
  return lines.join('\n') + '\n';
}

function differences(builtDir, names) {
  const differ = [];
  for (const name of names) {
    const committed = join(imagesDir, name);
    if (!existsSync(committed)) differ.push(`${name}: not committed in images/`);
    else if (!readFileSync(committed).equals(readFileSync(join(builtDir, name)))) differ.push(`${name}: differs from the sources`);
  }
  return differ;
}

function bareBuild(args, { quiet = false } = {}) {
  const script = join(here, 'bare', 'build.mjs');
  if (!existsSync(script)) return false;
  const stdio = quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit';
  const result = spawnSync(process.execPath, [script, ...args], { cwd: here, stdio });
  if (result.status !== 0) throw new Error(`bare/build.mjs ${args.join(' ')} failed`);
  return true;
}

function main(argv) {
  const check = argv.includes('--check');
  const pvTest = argv.includes('--pv-test');
  const outIndex = argv.indexOf('--out');
  argv.forEach((arg, i) => {
    if (!['--check', '--out', '--pv-test'].includes(arg) && argv[i - 1] !== '--out') throw new Error(`unknown argument: ${arg}`);
  });
  if (outIndex >= 0 && !argv[outIndex + 1]) throw new Error('--out needs a folder');
  if (pvTest && outIndex < 0) throw new Error('--pv-test needs --out DIR: the test firmware is never committed');
  if (check) {
    const dir = mkdtempSync(join(tmpdir(), 'hvrr-guests-check-'));
    try {
      build(dir);
      const differ = differences(dir, ['firmware.elf', 'kernel.elf']);
      const bareDir = join(dir, 'bare');
      if (bareBuild(['--out', bareDir], { quiet: true })) {
        differ.push(...differences(bareDir, readdirSync(bareDir).sort()));
      }
      if (differ.length > 0) {
        console.error(`guests: the committed images are not what the sources build:\n  ${differ.join('\n  ')}`);
        console.error('guests: run `pnpm --filter guests build` and commit packages/guests/images/');
        process.exit(1);
      }
      console.log('guests: the committed images match the sources');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  const outDir = outIndex >= 0 ? resolve(argv[outIndex + 1]) : imagesDir;
  for (const path of build(outDir, { pvTest })) console.log(`${path} ${statSync(path).size} bytes`);
  if (outIndex < 0) bareBuild([]);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`guests build: ${error.message}`);
    process.exit(1);
  }
}
