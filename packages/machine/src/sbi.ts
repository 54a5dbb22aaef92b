/** SBI v2.0 constants: extension ids, error codes. */
export const SBI_SUCCESS = 0;
export const SBI_ERR_FAILED = -1;
export const SBI_ERR_NOT_SUPPORTED = -2;
export const SBI_ERR_INVALID_PARAM = -3;
export const SBI_ERR_DENIED = -4;
export const SBI_ERR_INVALID_ADDRESS = -5;
export const SBI_ERR_ALREADY_AVAILABLE = -6;

export const SBI_EXT_BASE = 0x10;
export const SBI_EXT_TIME = 0x54494d45;
export const SBI_EXT_IPI = 0x735049;
export const SBI_EXT_RFENCE = 0x52464e43;
export const SBI_EXT_HSM = 0x48534d;
export const SBI_EXT_SRST = 0x53525354;
export const SBI_EXT_DBCN = 0x4442434e;
/** hvrr's PV MMU extension (experimental range): "\x08HVR". */
export const SBI_EXT_HVRR_PV = 0x08485652;

/** Legacy (v0.1) extensions. */
export const SBI_LEGACY_SET_TIMER = 0x00;
export const SBI_LEGACY_CONSOLE_PUTCHAR = 0x01;
export const SBI_LEGACY_CONSOLE_GETCHAR = 0x02;
export const SBI_LEGACY_CLEAR_IPI = 0x03;
export const SBI_LEGACY_SEND_IPI = 0x04;
export const SBI_LEGACY_REMOTE_FENCE_I = 0x05;
export const SBI_LEGACY_REMOTE_SFENCE_VMA = 0x06;
export const SBI_LEGACY_REMOTE_SFENCE_VMA_ASID = 0x07;
export const SBI_LEGACY_SHUTDOWN = 0x08;

/** SBI implementation id reported by hvrr (a value outside the SBI spec's registered list). */
export const HVRR_SBI_IMPL_ID = 0x48565252; // "HVRR"
export const HVRR_SBI_IMPL_VERSION = 0x00010000;
