// Mutants of real functions for bench/realworld.mjs: one small change on one line inside a
// function (off-by-one, operator swap, wrong branch, dropped statement), the kinds of slip that
// mutation-testing tools insert. Lines are found with Critic's own tree-sitter units; docstrings,
// comments and signatures are left alone; every mutant must still parse.

/** A seeded PRNG (mulberry32), so the same repository gives the same mutants on every run. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// [kind, pattern, replacement]; applied to the code part of a line (strings masked out).
const common = [
  ['off-by-one', / < /, ' <= '],
  ['off-by-one', / <= /, ' < '],
  ['off-by-one', / > /, ' >= '],
  ['off-by-one', / >= /, ' > '],
  ['off-by-one', /([+-] )1\b/, '$12'],
  ['off-by-one', /\[0\]/, '[1]'],
  ['operator-swap', / \+ /, ' - '],
  ['operator-swap', / - /, ' + '],
];
const python = [
  ...common,
  ['operator-swap', / == /, ' != '],
  ['operator-swap', / != /, ' == '],
  ['operator-swap', / and /, ' or '],
  ['operator-swap', / or /, ' and '],
  ['operator-swap', / is None\b/, ' is not None'],
  ['operator-swap', / is not None\b/, ' is None'],
  ['wrong-branch', /^(\s*)(if|elif|while) (.+):\s*$/, '$1$2 not ($3):'],
  ['dropped-statement', /^(\s*)(?!return\b|yield\b|raise\b|pass\b|break\b|continue\b|import\b|from\b|def\b|class\b|if\b|elif\b|else\b|for\b|while\b|try\b|except\b|finally\b|with\b|@)[\w.[\]'"]+\s*(?:[-+*/|&]?=(?!=)|\.\w+\().*[^:,\\([{]\s*$/, '$1pass'],
];
const typescript = [
  ...common,
  ['operator-swap', / === /, ' !== '],
  ['operator-swap', / !== /, ' === '],
  ['operator-swap', / && /, ' || '],
  ['operator-swap', / \|\| /, ' && '],
  ['wrong-branch', /^(\s*)(if|while) \((.+)\) \{\s*$/, '$1$2 (!($3)) {'],
  ['dropped-statement', /^\s*(?!return\b|const\b|let\b|var\b|function\b|if\b|else\b|for\b|while\b|switch\b|case\b|throw\b|export\b|import\b|yield\b|break\b|continue\b|\}|\/\/|\*)[\w.$[\]]+\s*(?:[-+*/|&?]?=(?!=)|\.\w+\(|\().*[^{,(\[=+\-*/&|?:]\s*$/, ''],
];

/** The line with string literals blanked (same length), so patterns never match inside them. */
function codeOnly(line) {
  return line.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, (m) => m[0] + ' '.repeat(m.length - 2) + m[0]).replace(/\s(#|\/\/).*$/, (m) => ' '.repeat(m.length));
}

/** Lines (0-based) inside functions that hold code, not docstrings, comments or signatures. */
function codeLines(text, units, language) {
  const lines = text.split('\n');
  const inDoc = new Array(lines.length).fill(false);
  if (language === 'python') {
    let open = null;
    lines.forEach((l, i) => {
      const quotes = l.match(/"""|'''/g) ?? [];
      if (open || quotes.length) inDoc[i] = true;
      for (const q of quotes) open = open === q ? null : open ?? q;
    });
  } else {
    let open = false;
    lines.forEach((l, i) => {
      if (open || /^\s*\/\*/.test(l)) inDoc[i] = true;
      if (/\/\*/.test(l)) open = true;
      if (/\*\//.test(l)) open = false;
    });
  }
  const out = [];
  for (const u of units) {
    if (u.kind === 'module' || u.kind === 'class') continue;
    // Skip the signature (up to the first line ending a Python `:` or opening a JS `{`).
    let first = u.range.start.line;
    while (first < u.range.end.line && !(language === 'python' ? /:\s*(#.*)?$/ : /\{\s*$|=>\s*$/).test(lines[first])) first++;
    for (let i = first + 1; i <= u.range.end.line; i++) {
      const l = lines[i] ?? '';
      if (inDoc[i] || !l.trim() || /^\s*(#|\/\/|\*)/.test(l)) continue;
      out.push({ line: i, unit: u });
    }
  }
  // A line in a nested function belongs to the innermost unit.
  const byLine = new Map();
  for (const c of out) {
    const prev = byLine.get(c.line);
    if (!prev || prev.unit.range.start.line <= c.unit.range.start.line) byLine.set(c.line, c);
  }
  return [...byLine.values()];
}

/**
 * Every candidate mutant of `text`: { line (0-based), unit, kind, text (the mutated file),
 * before, after, bugLines (1-based lines a localiser may point at) }.
 */
export function candidateMutants(text, units, language) {
  const lines = text.split('\n');
  const ops = language === 'python' ? python : typescript;
  const out = [];
  for (const { line, unit } of codeLines(text, units, language)) {
    const original = lines[line];
    const masked = codeOnly(original);
    for (const [kind, re, rep] of ops) {
      const m = re.exec(masked);
      if (!m) continue;
      // Apply at the match position of the masked line to the real line.
      const replaced = original.slice(0, m.index) + m[0].replace(re, rep) + original.slice(m.index + m[0].length);
      if (replaced === original) continue;
      const next = [...lines];
      next[line] = replaced;
      // A dropped TypeScript line leaves an empty line: the lines on either side are where a reviewer points.
      const bugLines = kind === 'dropped-statement' && replaced.trim() === '' ? [line, line + 2] : [line + 1];
      out.push({ line, unit: unit.name, kind, text: next.join('\n'), before: original.trim(), after: replaced.trim(), bugLines });
    }
  }
  return out;
}

/** Up to `n` mutants, spread over kinds and functions, in a seeded order. */
export function pickMutants(candidates, n, seed) {
  const random = rng(seed);
  const shuffled = candidates.map((c) => [random(), c]).sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  const picked = [];
  const usedUnits = new Set();
  const kinds = [...new Set(shuffled.map((c) => c.kind))];
  // Round-robin over kinds; a function already mutated waits until every other has had a turn.
  for (let pass = 0; pass < 2 && picked.length < n; pass++) {
    let progress = true;
    while (picked.length < n && progress) {
      progress = false;
      for (const kind of kinds) {
        if (picked.length >= n) break;
        const i = shuffled.findIndex((c) => c.kind === kind && !picked.includes(c) && (pass === 1 || !usedUnits.has(`${c.file}:${c.unit}`)));
        if (i < 0) continue;
        picked.push(shuffled[i]);
        usedUnits.add(`${shuffled[i].file}:${shuffled[i].unit}`);
        progress = true;
      }
    }
  }
  return picked;
}
