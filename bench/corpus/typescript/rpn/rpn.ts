/**
 * Evaluates a space-separated expression in reverse Polish notation.
 * @example
 * evalRpn('3 4 + 2 *') // => 14
 * evalRpn('10 4 -') // => 6
 * evalRpn('12 3 /') // => 4
 * evalRpn('2 3 4 * +') // => 14
 * evalRpn('1 +') // => throws SyntaxError
 * evalRpn('1 2') // => throws SyntaxError
 */
export function evalRpn(expression: string): number {
  const stack: number[] = [];
  for (const token of expression.trim().split(/\s+/)) {
    if (/^-?\d+(\.\d+)?$/.test(token)) {
      stack.push(Number(token));
      continue;
    }
    const b = stack.pop();
    const a = stack.pop();
    if (a === undefined || b === undefined) throw new SyntaxError(`not enough operands for ${token}`);
    if (token === '+') stack.push(a + b);
    else if (token === '-') stack.push(a - b);
    else if (token === '*') stack.push(a * b);
    else if (token === '/') stack.push(a / b);
    else throw new SyntaxError(`unknown operator ${token}`);
  }
  if (stack.length !== 1) throw new SyntaxError(`expected one result, have ${stack.length}`);
  return stack[0]!;
}
