// System-call numbers of the hvrr guest kernel, shared by the kernel and the user
// library. ABI: ecall with a7 = number, a0..a2 = arguments; result in a0
// (and a1 for the 64-bit clock); a negative a0 means failure.
#pragma once

#define SYS_EXIT 1   /* exit(status)                    no return          */
#define SYS_WRITE 2  /* write(fd, buf, len)             bytes written      */
#define SYS_READ 3   /* read(fd, buf, len)              bytes read (>= 1)  */
#define SYS_GETPID 4 /* getpid()                        pid                */
#define SYS_BRK 5    /* brk(addr)                       the break after    */
#define SYS_SBRK 6   /* sbrk(increment)                 old break or -1    */
#define SYS_FORK 7   /* fork()                          child pid / 0      */
#define SYS_WAIT 8   /* wait(int *status)               pid of child or -1 */
#define SYS_EXEC 9   /* exec(name, argv)                only returns -1    */
#define SYS_YIELD 10 /* yield()                         0                  */
#define SYS_SLEEP 11 /* sleep(milliseconds)             0                  */
#define SYS_CLOCK 12 /* clock()                         microseconds since boot in a1:a0 */

// What wait() reports for a process the kernel killed (bad access, illegal instruction...).
#define EXIT_KILLED (-1)
