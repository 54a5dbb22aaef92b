/* RV32I and M arithmetic with the edge cases the specification pins down (division by
 * zero, INT_MIN / -1, shift amounts past 31, sign extension), printed as hex so another
 * implementation can be compared line by line. The results are also checked against
 * the specification's rules and a multiply that uses no M instructions; a mismatch
 * fails the run. */
#include "console.h"

/* Each operation is one instruction in inline assembly, so the compiler cannot fold it. */
#define REG_OP(name)                                                           \
  static unsigned op_##name(unsigned a, unsigned b) {                          \
    unsigned r;                                                                \
    __asm__ volatile(#name " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));          \
    return r;                                                                  \
  }
REG_OP(mul)
REG_OP(mulh)
REG_OP(mulhsu)
REG_OP(mulhu)
REG_OP(div)
REG_OP(divu)
REG_OP(rem)
REG_OP(remu)
REG_OP(sll)
REG_OP(srl)
REG_OP(sra)
REG_OP(slt)
REG_OP(sltu)
REG_OP(add)
REG_OP(sub)

#define IMM_OP(name, imm)                                                      \
  ({                                                                           \
    unsigned r_;                                                               \
    __asm__ volatile(#name " %0, %1, %2" : "=r"(r_) : "r"(a), "i"(imm));       \
    r_;                                                                        \
  })

static const unsigned values[] = {
    0x00000000, 0x00000001, 0x00000003, 0xfffffff9, 0xffffffff,
    0x7fffffff, 0x80000000, 0x80000001, 0x12345678, 0xdeadbeef,
};
#define VALUE_COUNT (sizeof values / sizeof values[0])

static int failures;
static int checks;

static void check(int ok, const char *what, unsigned a, unsigned b, unsigned got) {
  checks++;
  if (!ok) {
    failures++;
    console_printf("CHECK FAILED %s a=%08x b=%08x got=%08x\n", what, a, b, got);
  }
}

/* The full 64-bit unsigned product by shifting and adding, without M instructions. */
static void product_reference(unsigned a, unsigned b, unsigned *high, unsigned *low) {
  unsigned h = 0, l = 0, addend_high = 0, addend_low = a;
  for (int bit = 0; bit < 32; bit++) {
    if ((b >> bit) & 1) {
      unsigned sum = l + addend_low;
      h += addend_high + (sum < l);
      l = sum;
    }
    addend_high = (addend_high << 1) | (addend_low >> 31);
    addend_low <<= 1;
  }
  *high = h;
  *low = l;
}

static void multiply(unsigned a, unsigned b) {
  unsigned mul = op_mul(a, b), mulh = op_mulh(a, b);
  unsigned mulhsu = op_mulhsu(a, b), mulhu = op_mulhu(a, b);
  console_printf("mul  %08x %08x: mul=%08x mulh=%08x mulhsu=%08x mulhu=%08x\n", a, b, mul, mulh,
                 mulhsu, mulhu);
  unsigned high, low;
  product_reference(a, b, &high, &low);
  /* A negative operand read as unsigned is 2^32 too big: subtract the other operand
   * from the high word for each such operand. */
  unsigned a_negative = (int)a < 0 ? b : 0, b_negative = (int)b < 0 ? a : 0;
  check(mul == low, "mul", a, b, mul);
  check(mulhu == high, "mulhu", a, b, mulhu);
  check(mulh == high - a_negative - b_negative, "mulh", a, b, mulh);
  check(mulhsu == high - a_negative, "mulhsu", a, b, mulhsu);
}

static void divide(unsigned a, unsigned b) {
  unsigned div = op_div(a, b), divu = op_divu(a, b), rem = op_rem(a, b), remu = op_remu(a, b);
  console_printf("div  %08x %08x: div=%08x divu=%08x rem=%08x remu=%08x\n", a, b, div, divu, rem,
                 remu);
  if (b == 0) {
    check(div == 0xffffffff, "div by zero", a, b, div);
    check(divu == 0xffffffff, "divu by zero", a, b, divu);
    check(rem == a, "rem by zero", a, b, rem);
    check(remu == a, "remu by zero", a, b, remu);
    return;
  }
  check(op_add(op_mul(divu, b), remu) == a && remu < b, "divu/remu", a, b, divu);
  if (a == 0x80000000 && b == 0xffffffff) {
    check(div == 0x80000000, "div overflow", a, b, div);
    check(rem == 0, "rem overflow", a, b, rem);
    return;
  }
  int sa = (int)a, sb = (int)b, sr = (int)rem;
  unsigned magnitude_r = sr < 0 ? 0u - rem : rem, magnitude_b = sb < 0 ? 0u - b : b;
  check(op_add(op_mul(div, b), rem) == a && magnitude_r < magnitude_b, "div/rem", a, b, div);
  check(sr == 0 || (sr < 0) == (sa < 0), "rem sign follows dividend", a, b, rem);
}

static void shifts(void) {
  static const unsigned amounts[] = {0, 1, 4, 31, 32, 33, 0xffffffff};
  static const unsigned shifted[] = {0x00000001, 0x80000000, 0x12345678, 0xdeadbeef};
  for (unsigned i = 0; i < sizeof shifted / sizeof shifted[0]; i++) {
    for (unsigned j = 0; j < sizeof amounts / sizeof amounts[0]; j++) {
      unsigned a = shifted[i], b = amounts[j];
      unsigned sll = op_sll(a, b), srl = op_srl(a, b), sra = op_sra(a, b);
      console_printf("shift %08x by %08x: sll=%08x srl=%08x sra=%08x\n", a, b, sll, srl, sra);
      /* Only the low five bits of the amount count. */
      unsigned n = b & 31;
      check(sll == a << n, "sll", a, b, sll);
      check(srl == a >> n, "srl", a, b, srl);
      check(sra == ((a >> n) | ((int)a < 0 && n ? ~(0xffffffffu >> n) : 0)), "sra", a, b, sra);
    }
    unsigned a = shifted[i];
    console_printf("shift %08x imm: slli1=%08x slli31=%08x srli1=%08x srli31=%08x srai1=%08x "
                   "srai31=%08x\n",
                   a, IMM_OP(slli, 1), IMM_OP(slli, 31), IMM_OP(srli, 1), IMM_OP(srli, 31),
                   IMM_OP(srai, 1), IMM_OP(srai, 31));
  }
}

static void comparisons(void) {
  static const unsigned compared[] = {0x00000000, 0x00000001, 0xffffffff, 0x7fffffff, 0x80000000};
  for (unsigned i = 0; i < sizeof compared / sizeof compared[0]; i++) {
    unsigned a = compared[i];
    for (unsigned j = 0; j < sizeof compared / sizeof compared[0]; j++) {
      unsigned b = compared[j];
      unsigned slt = op_slt(a, b), sltu = op_sltu(a, b);
      console_printf("cmp  %08x %08x: slt=%u sltu=%u\n", a, b, slt, sltu);
      check(slt == ((int)a < (int)b), "slt", a, b, slt);
      check(sltu == (a < b), "sltu", a, b, sltu);
    }
    /* The immediate is sign-extended for both, so sltiu -1 compares with 0xffffffff. */
    console_printf("cmpi %08x: slti-1=%u slti0=%u slti2047=%u sltiu-1=%u sltiu0=%u sltiu1=%u\n", a,
                   IMM_OP(slti, -1), IMM_OP(slti, 0), IMM_OP(slti, 2047), IMM_OP(sltiu, -1),
                   IMM_OP(sltiu, 0), IMM_OP(sltiu, 1));
  }
}

static void wrapping(void) {
  unsigned a = 0x7fffffff, b = 1;
  console_printf("wrap: add=%08x sub=%08x addi-1=%08x\n", op_add(a, b), op_sub(0x80000000, b),
                 IMM_OP(addi, -1));
  unsigned lui;
  __asm__ volatile("lui %0, 0xfffff" : "=r"(lui));
  console_printf("lui 0xfffff: %08x\n", lui);
  check(lui == 0xfffff000, "lui", 0xfffff, 0, lui);
}

static void loads(void) {
  static volatile unsigned char bytes[8] = {0x80, 0x7f, 0xff, 0x01, 0x34, 0x82, 0x00, 0x80};
  for (unsigned offset = 0; offset < 8; offset += 2) {
    volatile unsigned char *p = bytes + offset;
    unsigned lb, lbu, lh, lhu;
    __asm__ volatile("lb %0, 0(%1)" : "=r"(lb) : "r"(p));
    __asm__ volatile("lbu %0, 0(%1)" : "=r"(lbu) : "r"(p));
    __asm__ volatile("lh %0, 0(%1)" : "=r"(lh) : "r"(p));
    __asm__ volatile("lhu %0, 0(%1)" : "=r"(lhu) : "r"(p));
    console_printf("load +%u: lb=%08x lbu=%08x lh=%08x lhu=%08x\n", offset, lb, lbu, lh, lhu);
    check(lb == (unsigned)(int)(signed char)p[0], "lb", offset, 0, lb);
    check(lbu == p[0], "lbu", offset, 0, lbu);
  }
}

int main(void) {
  console_printf("arith: RV32IM\n");
  for (unsigned i = 0; i < VALUE_COUNT; i++) {
    for (unsigned j = 0; j < VALUE_COUNT; j++) {
      multiply(values[i], values[j]);
      divide(values[i], values[j]);
    }
  }
  shifts();
  comparisons();
  wrapping();
  loads();
  console_printf("arith: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
