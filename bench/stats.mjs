// Small helpers shared by the benchmark scripts: robust summaries and a plain SVG bar chart.
import { spawn, spawnSync } from 'node:child_process';

export function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

export const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
export const cell = (st) => `${fmt(st.median)} (${fmt(st.min)}–${fmt(st.max)})`;

/** Runs a command as a whole process; returns wall time and peak RSS (KiB) from /usr/bin/time. */
export function timeProcess(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '__MAXRSS__%M', cmd, ...args], { encoding: 'utf8', ...opts });
  const ms = performance.now() - t0;
  const rss = Number(/__MAXRSS__(\d+)/.exec(r.stderr ?? '')?.[1] ?? NaN);
  return { ms, rssKiB: rss, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A grouped horizontal bar chart (medians), one group per row label. */
export function barChartSvg(title, rows, series) {
  const barH = 14;
  const gap = 6;
  const left = 170;
  const width = 760;
  const max = Math.max(...rows.flatMap((r) => series.map((s) => r.values[s.key] ?? 0)));
  const groupH = series.length * barH + gap * 2;
  const height = 50 + rows.length * groupH + 30;
  const colors = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2'];
  const scale = (v) => ((width - left - 90) * v) / (max || 1);
  let y = 40;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`, `<text x="10" y="20" font-size="14" font-weight="bold">${title}</text>`];
  for (const r of rows) {
    parts.push(`<text x="10" y="${y + groupH / 2}">${r.label}</text>`);
    series.forEach((s, i) => {
      const v = r.values[s.key];
      if (v === undefined) return;
      const by = y + gap + i * barH;
      parts.push(`<rect x="${left}" y="${by}" width="${scale(v).toFixed(1)}" height="${barH - 2}" fill="${colors[i % colors.length]}"/>`);
      parts.push(`<text x="${left + scale(v) + 4}" y="${by + barH - 4}">${fmt(v)}</text>`);
    });
    y += groupH;
  }
  series.forEach((s, i) => {
    parts.push(`<rect x="${10 + i * 180}" y="${height - 22}" width="12" height="12" fill="${colors[i % colors.length]}"/><text x="${26 + i * 180}" y="${height - 12}">${s.label}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Runs a command in its own process group, killed as a group after `timeoutMs`; keeps the first
 * `maxOutput` characters of stdout and stderr together. Never rejects.
 */
export function runGroup(file, args, { timeoutMs, maxOutput, ...opts }) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(file, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (d) => {
      if (output.length < maxOutput) output += d;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, output, ms: performance.now() - t0 });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, timedOut: false, output: err.message, ms: performance.now() - t0, error: err });
    });
  });
}
