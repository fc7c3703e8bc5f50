// A type error and a failing JSDoc example for the extension-host suite. The type error (TypeScript
// must find its own lib files for reduce and toFixed) is evidence in Critic's language server but is
// not published in VS Code, whose own TypeScript support shows it; the failing example is.
export function total(prices: number[]): number {
  const sum = prices.reduce((a, b) => a + b, 0);
  return sum.toFixed(2);
}

/**
 * Twice n.
 * @example
 * double(2) // => 4
 */
export function double(n: number): number {
  return n + 3;
}
