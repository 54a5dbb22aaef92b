// The parts of the ELF-32 format (System V gABI) the program loader reads.
#pragma once
#include <stdint.h>

#define ELF_MAGIC 0x464c457fu /* "\x7fELF" read as a little-endian word */
#define ELFCLASS32 1
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_RISCV 243
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf32_header {
  uint32_t magic;
  uint8_t elf_class, data, version, osabi, pad[8];
  uint16_t type, machine;
  uint32_t version2, entry, phoff, shoff, flags;
  uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
  uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
