// A type error for the extension-host suite: the TypeScript bundled in the extension must find
// its own lib files (Array.prototype.reduce, Number.prototype.toFixed) inside the installed .vsix.
export function total(prices: number[]): number {
  const sum = prices.reduce((a, b) => a + b, 0);
  return sum.toFixed(2);
}
