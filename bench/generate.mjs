// Generates realistic-looking Python and TypeScript files of a given length for benchmarks.

/** A Python module of at least `lines` lines (whole definitions only): functions with docstrings and a few classes. */
export function pythonFile(lines) {
  const out = ['"""Generated benchmark module."""', '', 'import math', 'from dataclasses import dataclass', ''];
  let i = 0;
  while (out.length < lines) {
    if (i % 10 === 9) {
      out.push('', '@dataclass', `class Record${i}:`, '    name: str', '    value: float', '', '    def scaled(self, factor):', '        """Value times factor."""', '        return self.value * factor', '');
    } else {
      out.push(
        '',
        `def compute_${i}(values, limit=${i}):`,
        `    """Sum of the values below ${i}, capped."""`,
        '    total = 0',
        '    for v in values:',
        '        if v < limit:',
        '            total += math.floor(v)',
        '    return min(total, limit * 10)',
        '',
      );
    }
    i++;
  }
  return out.join('\n') + '\n';
}

/** A TypeScript module of at least `lines` lines (whole definitions only): functions, interfaces and classes. */
export function typescriptFile(lines) {
  const out = ['// Generated benchmark module.', ''];
  let i = 0;
  while (out.length < lines) {
    if (i % 10 === 9) {
      out.push(
        '',
        `export interface Shape${i} { name: string; size: number }`,
        `export class Registry${i} {`,
        `  private readonly shapes: Shape${i}[] = [];`,
        `  add(shape: Shape${i}): void { this.shapes.push(shape); }`,
        '  largest(): number { return this.shapes.reduce((m, s) => Math.max(m, s.size), 0); }',
        '}',
        '',
      );
    } else {
      out.push(
        '',
        `export function compute${i}(values: number[], limit = ${i}): number {`,
        '  let total = 0;',
        '  for (const v of values) {',
        '    if (v < limit) total += Math.floor(v);',
        '  }',
        '  if (total < 0) throw new RangeError(`negative total ${total}`);',
        '  return Math.min(total, limit * 10);',
        '}',
      );
    }
    i++;
  }
  return out.join('\n') + '\n';
}
