// Running a program built into the kernel image in a process.
#pragma once
#include <stdint.h>
#include "proc.h"

#define EXEC_MAX_ARGS 16
#define EXEC_MAX_ARG_BYTES 1024

// Replaces p's address space with a fresh one holding the program, its stack and
// its arguments, and points p's trap frame at the program's entry. On failure
// (no such program, bad image, out of memory) p is unchanged and -1 is returned.
// argv lives in kernel memory.
int exec_into(struct proc *p, const char *name, int argc, const char *const argv[]);
// Prints the names of the built-in programs.
void exec_list_programs(void);
