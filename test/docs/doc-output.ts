/**
 * Documented outputs compared with real ones (docs/server.md's blocks, the README's example):
 * `…` stands for any text, and result numbers match within a tolerance.
 *
 * Decimal numbers of three or more places (losses, accuracies, MAEs) and integers of five or more
 * digits (forecasts of sales) in a documented output are training results: the fused kernels sum
 * in a different order on each ISA (AVX2, AVX-512), so their last digits move. They match any
 * number within 1% plus one unit of the last printed place; counts, years and ids stay exact.
 */
const DOC_NUMBER = /(?<![\w.-])-?(?:\d+\.\d{3,}|\d{5,})(?![\d.-])/g;
const ANY_NUMBER = '(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A documented output as an anchored pattern (`…` = any text) plus the numbers it pins. */
export function pattern(expected: string): { regex: RegExp; numbers: string[] } {
  const numbers: string[] = [];
  const source = expected
    .split('…')
    .map((part) => {
      let out = '';
      let from = 0;
      for (const m of part.matchAll(DOC_NUMBER)) {
        out += escape(part.slice(from, m.index)) + ANY_NUMBER;
        numbers.push(m[0]);
        from = m.index + m[0].length;
      }
      return out + escape(part.slice(from));
    })
    .join('[\\s\\S]*?');
  return { regex: new RegExp(`^${source}$`), numbers };
}

/** Whether `actual` reads as the documented output, its result numbers within tolerance. */
export function matchesDoc(actual: string, expected: string): string | null {
  const { regex, numbers } = pattern(expected);
  const m = regex.exec(actual);
  if (!m) return `does not match ${regex}`;
  for (const [i, shown] of numbers.entries()) {
    const got = Number(m[i + 1]);
    const want = Number(shown);
    const places = shown.split('.')[1]?.length ?? 0;
    if (!(Math.abs(got - want) <= 0.01 * Math.abs(want) + 10 ** -places)) return `${got} where the doc shows ${shown}`;
  }
  return null;
}
