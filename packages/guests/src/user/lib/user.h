// The user library: system calls, printf, malloc/free and the string functions.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib.h"
#include "syscall.h"

// System calls (see include/syscall.h for numbers and results)
void exit(int status) __attribute__((noreturn));
int write(int fd, const void *buf, size_t len);
int read(int fd, void *buf, size_t len);
int getpid(void);
void *brk(void *addr);  // the break after the call (unchanged on failure); brk(0) asks
void *sbrk(int increment); // the old break, or (void *)-1
int fork(void);
int wait(int *status);  // status: the child's exit status, or EXIT_KILLED
int exec(const char *name, char *const argv[]); // returns only on failure
int yield(void);
int sleep(uint32_t ms);
uint64_t clock_us(void); // guest time since boot, in microseconds

// Output on the console (fd 1); one write per call.
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);

// The heap, grown with brk as needed.
void *malloc(size_t size);
void free(void *p);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t size);
