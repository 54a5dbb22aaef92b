// SBI (RISC-V Supervisor Binary Interface, spec 2.0) numbers used by the firmware
// that serves them and the kernel that calls them, plus hvrr's PV MMU extension
// (shared/DESIGN.md, "The PV MMU extension").
#pragma once

// Calling convention: a7 = extension id, a6 = function id, a0..a5 arguments;
// returns a0 = error, a1 = value (legacy extensions return a value in a0 only).
#define SBI_SUCCESS 0
#define SBI_ERR_FAILED (-1)
#define SBI_ERR_NOT_SUPPORTED (-2)
#define SBI_ERR_INVALID_PARAM (-3)
#define SBI_ERR_DENIED (-4)
#define SBI_ERR_INVALID_ADDRESS (-5)

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_GETCHAR 0x02

#define SBI_EXT_BASE 0x10
#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_GET_IMPL_ID 1
#define SBI_BASE_GET_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXTENSION 3
#define SBI_BASE_GET_MVENDORID 4
#define SBI_BASE_GET_MARCHID 5
#define SBI_BASE_GET_MIMPID 6

#define SBI_EXT_TIME 0x54494D45 /* "TIME" */
#define SBI_TIME_SET_TIMER 0

#define SBI_EXT_DBCN 0x4442434E /* "DBCN" */
#define SBI_DBCN_WRITE 0
#define SBI_DBCN_READ 1
#define SBI_DBCN_WRITE_BYTE 2

#define SBI_EXT_SRST 0x53525354 /* "SRST" */
#define SBI_SRST_RESET 0
#define SBI_SRST_TYPE_SHUTDOWN 0
#define SBI_SRST_TYPE_COLD_REBOOT 1
#define SBI_SRST_TYPE_WARM_REBOOT 2
#define SBI_SRST_REASON_NONE 0
#define SBI_SRST_REASON_FAILURE 1

// hvrr's paravirtual MMU extension, in the experimental range: "\x08HVR".
#define SBI_EXT_HVRR_PV 0x08485652
#define SBI_PV_VERSION 0
#define SBI_PV_MMU_UPDATE 1
#define SBI_PV_SET_ROOT 2
#define SBI_PV_FLUSH 3

// SBI 2.0 encodes the spec version as major << 24 | minor.
#define SBI_SPEC_VERSION_2_0 (2u << 24)
