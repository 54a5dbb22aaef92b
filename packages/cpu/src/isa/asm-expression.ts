/**
 * Assembler expressions: numbers (decimal, 0x hex, 0b binary), labels, `.` (the
 * address of the current instruction), unary and binary + and -, parentheses, and
 * the relocation operators %hi(x) and %lo(x). Values are plain numbers; whoever uses
 * one checks its range.
 */
export interface ExpressionEnv {
  /** Address of the statement being assembled. */
  readonly dot: number;
  /** Value of a label; throws when there is none. */
  symbol(name: string): number;
}

/** %hi/%lo split a 32-bit value so that (hi << 12) + sign-extended lo gives it back. */
export function hi20(value: number): number {
  return (((value | 0) + 0x800) >>> 12) & 0xfffff;
}

export function lo12(value: number): number {
  return ((value | 0) << 20) >> 20;
}

const TOKEN = /\s*(?:(%hi|%lo)\b|(0x[0-9a-f]+|0b[01]+|[0-9]+)(?![\w.$])|([A-Za-z_.$][\w.$]*)|([-+()]))/iy;

type Token =
  | { kind: 'operator'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'name'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (m === null) throw new Error(`bad expression '${text}' at '${text.slice(at).trim()}'`);
    if (m[1] !== undefined) tokens.push({ kind: 'operator', text: m[1].toLowerCase() });
    else if (m[2] !== undefined) tokens.push({ kind: 'number', value: parseNumber(m[2]) });
    else if (m[3] !== undefined) tokens.push({ kind: 'name', text: m[3] });
    else tokens.push({ kind: 'operator', text: m[4]! });
  }
  return tokens;
}

function parseNumber(text: string): number {
  const t = text.toLowerCase();
  if (t.startsWith('0x')) return parseInt(t.slice(2), 16);
  if (t.startsWith('0b')) return parseInt(t.slice(2), 2);
  return parseInt(t, 10);
}

/** Evaluates an expression; throws an Error on bad syntax or an unknown label. */
export function evaluate(text: string, env: ExpressionEnv): number {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOperator = (t: Token | undefined, op: string) => t?.kind === 'operator' && t.text === op;
  const expect = (op: string) => {
    if (!isOperator(peek(), op)) throw new Error(`bad expression '${text}': expected '${op}'`);
    pos++;
  };

  function sum(): number {
    let value = unary();
    while (isOperator(peek(), '+') || isOperator(peek(), '-')) {
      const minus = isOperator(tokens[pos++], '-');
      const rhs = unary();
      value = minus ? value - rhs : value + rhs;
    }
    return value;
  }

  function unary(): number {
    if (isOperator(peek(), '+') || isOperator(peek(), '-')) {
      const minus = isOperator(tokens[pos++], '-');
      const value = unary();
      return minus ? -value : value;
    }
    return primary();
  }

  function primary(): number {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`bad expression '${text}': operand missing`);
    if (t.kind === 'number') return t.value;
    if (t.kind === 'name') return t.text === '.' ? env.dot : env.symbol(t.text);
    if (t.text === '(') {
      const value = sum();
      expect(')');
      return value;
    }
    if (t.text === '%hi' || t.text === '%lo') {
      expect('(');
      const value = sum();
      expect(')');
      return t.text === '%hi' ? hi20(value) : lo12(value);
    }
    throw new Error(`bad expression '${text}': unexpected '${t.text}'`);
  }

  if (tokens.length === 0) throw new Error('missing expression');
  const value = sum();
  if (pos !== tokens.length) throw new Error(`bad expression '${text}'`);
  return value;
}
