// npm run bench:model — what the critic model costs, against the local OpenAI-compatible server.
//   tokens sent per critique of one edited unit: packed context (what Critic sends) versus the
//   whole file with the same evidence, on files of 200 / 1,000 / 5,000 lines;
//   and the wall time the engine adds around the model call, next to a bare `openai` client call
//   to the same server with the same payload (the baseline measured in the same run).
// Target: packed ≤ 25 % of whole-file tokens on 1,000+ line files.
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getEncoding } from 'js-tiktoken';
import OpenAI from 'openai';
import { pythonFile, typescriptFile } from './generate.mjs';
import { cell, summary } from './stats.mjs';
import { reply, startOpenAiServer } from '../test/support/openaiServer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(join(root, 'out', p));
const { Engine } = await load('engine/pipeline.js');
const { staticTools } = await load('engine/toolset.js');
const { nodeFs, nodeExec, assetsIn } = await load('engine/nodePorts.js');
const { defaultConfig } = await load('engine/config.js');
const { silentLogger } = await load('engine/types.js');
const { createModelStage } = await load('engine/critique/modelStage.js');
const { createOpenAiModel } = await load('engine/model/provider.js');
const { buildCritiquePrompt, evidenceFromFinding } = await load('engine/model/prompt.js');

const enc = getEncoding('o200k_base');
const tokens = (messages) => messages.reduce((n, m) => n + enc.encode(m.content ?? '').length + 4, 0);
const runs = process.argv.includes('--quick') ? 5 : 15;

const server = await startOpenAiServer();
const work = mkdtempSync(join(tmpdir(), 'critic-bench-model-'));
const rows = [];
for (const lang of ['python', 'typescript']) {
  for (const lines of [200, 1000, 5000]) {
    const dir = join(work, `${lang}-${lines}`);
    mkdirSync(dir);
    const file = join(dir, lang === 'python' ? 'module.py' : 'module.ts');
    let text = lang === 'python' ? pythonFile(lines) : typescriptFile(lines);
    // One real defect for the tools to report inside the edited unit, so evidence is part of the prompt.
    text = lang === 'python' ? text.replace('    total = 0\n', '    total = 0\n    unused_total = totl\n') : text.replace('  let total = 0;\n', '  let total = 0;\n  const unusedTotal: string = total;\n');
    writeFileSync(file, text);
    const ctx = { log: silentLogger, fs: nodeFs, exec: nodeExec, assets: assetsIn(join(root, 'dist')), config: defaultConfig() };
    ctx.config.execution.enabled = false;
    ctx.config.model.probes = false;
    const model = createOpenAiModel({ model: 'test-model', baseUrl: server.url, timeoutMs: 30_000, maxRetries: 0, log: silentLogger });
    const options = {};
    const engine = new Engine(ctx, staticTools(ctx), options);
    options.modelStage = createModelStage({ ctx, syntax: engine.syntax, models: [model] });
    const doc = { path: file, text, language: lang, projectRoot: dir };
    const first = await engine.check(doc, { model: false });
    const evidence = first.findings.filter((f) => f.level === 'error');
    const unitName = evidence[0]?.unit;
    const unit = first.units.find((u) => u.name === unitName);
    if (!unit) throw new Error(`no tool evidence in the generated ${lang} file`);
    const focus = [{ start: unit.range.start.line, end: unit.range.end.line }];

    const stage = [];
    const bare = [];
    const client = new OpenAI({ baseURL: server.url, apiKey: 'not-needed', maxRetries: 0 });
    let packedTokens = 0;
    for (let i = 0; i < runs; i++) {
      server.reset();
      server.script(() => reply.findings([]));
      const r = await engine.check(doc, { changedLines: focus });
      stage.push(r.timings.model);
      const sent = server.requests.find((q) => q.path.endsWith('/chat/completions'));
      packedTokens = tokens(sent.body.messages);
      // Baseline: the same payload through a bare client call.
      const t0 = performance.now();
      await client.chat.completions.create(sent.body);
      bare.push(performance.now() - t0);
    }
    // The whole file with the same evidence, as a naive reviewer would send it.
    const whole = buildCritiquePrompt({
      language: lang,
      file: file.split('/').pop(),
      units: [{ name: '<module>', text, startLine: 1 }],
      evidence: evidence.map(evidenceFromFinding),
      maxFindings: ctx.config.model.maxFindingsPerUnit,
    });
    const wholeTokens = tokens([{ content: whole.system }, { content: whole.user }]);
    const st = summary(stage);
    const bt = summary(bare);
    rows.push({ lang, lines: text.split('\n').length, packedTokens, wholeTokens, stage: st, bare: bt, overhead: st.median - bt.median });
    await engine.dispose();
    process.stderr.write(`  measured ${lang} ${lines}\n`);
  }
}
await server.close();
rmSync(work, { recursive: true, force: true });

console.log(`\nCritic model cost — one edited unit with its tool evidence; ${runs} runs; tokens: o200k_base\n`);
console.log('| language | lines | packed tokens | whole-file tokens | packed / whole | model stage (engine + call) | bare client call | engine adds (median) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.lang} | ${r.lines} | ${r.packedTokens} | ${r.wholeTokens} | ${((100 * r.packedTokens) / r.wholeTokens).toFixed(1)} % | ${cell(r.stage)} | ${cell(r.bare)} | ${r.overhead.toFixed(1)} ms |`);
}
for (const r of rows.filter((r) => r.lines >= 1000)) {
  const pct = (100 * r.packedTokens) / r.wholeTokens;
  console.log(`target packed ≤ 25 % (${r.lang}, ${r.lines} lines): ${pct <= 25 ? 'met' : 'MISSED'} (${pct.toFixed(1)} %)`);
}
