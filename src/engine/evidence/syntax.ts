/** Syntax errors from tree-sitter: instant, for every supported language. */
import type { CriticConfig } from '../config.js';
import type { RawFinding } from '../findings.js';
import type { ParsedFile } from '../syntax/syntaxService.js';
import type { EvidenceTool, SourceDocument, ToolOutput } from './tool.js';

export class SyntaxTool implements EvidenceTool {
  readonly id = 'syntax';

  appliesTo(_doc: SourceDocument, config: CriticConfig): boolean {
    return config.tools.syntax;
  }

  async run(_doc: SourceDocument, parsed: ParsedFile): Promise<ToolOutput> {
    const findings: RawFinding[] = parsed.syntaxProblems.map((p) => ({
      rule: p.missing ? 'syntax-missing' : 'syntax-error',
      level: 'error',
      message: p.message,
      file: _doc.path,
      range: p.range,
      tier: 'tool',
      confidence: 1,
      source: this.id,
    }));
    return { findings };
  }
}

export function createSyntaxTool(): SyntaxTool {
  return new SyntaxTool();
}
