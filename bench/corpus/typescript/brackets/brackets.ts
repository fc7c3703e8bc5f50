/**
 * Whether every bracket in the text is closed in the right order; other characters are ignored.
 * @example
 * isBalanced('f(a[1], {b: 2})') // => true
 * isBalanced('([)]') // => false
 * isBalanced('((') // => false
 * isBalanced('') // => true
 */
export function isBalanced(text: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const ch of text) {
    if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0;
}
