export { Hart, STOP_BUDGET, STOP_HALT, STOP_IDLE, STOP_VM_EXIT } from './hart.js';
export type { StopReason } from './hart.js';
export type { HartHost } from './hart-host.js';
export { CSR } from './csr-numbers.js';
export { Counter64 } from './counter64.js';
export { MISA_RV32IMASU } from './csr-file.js';
export * from './privilege.js';
export { mulh, mulhsu, mulhu, div, divu, rem, remu } from './muldiv.js';
export * from './isa/index.js';
