/** SARIF 2.1.0 output (the machine contract in the guide, §7). */
import { relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location, Log, Region, ReportingDescriptor, Result } from 'sarif';
import type { Finding, Range } from './findings.js';

export interface SarifNotification {
  tool: string;
  message: string;
}

function region(r: Range): Region {
  // SARIF lines and columns are 1-based; the end column is exclusive like ours.
  return { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
}

function artifactUri(file: string, root: string): string {
  const rel = relative(root, file);
  if (rel.startsWith('..') || rel === '') return pathToFileURL(file).href;
  return rel.split(sep).map(encodeURIComponent).join('/');
}

function location(file: string, range: Range, root: string): Location {
  const uri = artifactUri(file, root);
  return {
    physicalLocation: {
      artifactLocation: uri.startsWith('file:') ? { uri } : { uri, uriBaseId: 'SRCROOT' },
      region: region(range),
    },
  };
}

/** Builds one SARIF log with one run whose tool is `critic`. */
export function toSarif(findings: readonly Finding[], opts: { root: string; version: string; notifications?: readonly SarifNotification[] }): Log {
  const ruleIds = [...new Set(findings.map((f) => f.rule))].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id): ReportingDescriptor => {
    const sample = findings.find((f) => f.rule === id)!;
    return {
      id: `critic/${id}`,
      name: id,
      shortDescription: { text: `${sample.source}: ${id}` },
      ...(sample.helpUri ? { helpUri: sample.helpUri } : {}),
      properties: { tier: sample.tier, source: sample.source },
    };
  });
  const rootUri = pathToFileURL(opts.root.endsWith(sep) ? opts.root : opts.root + sep).href;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'critic',
            version: opts.version,
            informationUri: 'https://github.com/critic-dev/critic',
            rules,
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: rootUri } },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: (opts.notifications ?? []).map((n) => ({
              level: 'warning',
              message: { text: n.message },
              descriptor: { id: n.tool },
            })),
          },
        ],
        results: findings.map((f): Result => ({
          ruleId: `critic/${f.rule}`,
          ruleIndex: ruleIndex.get(f.rule),
          level: f.level,
          message: { text: f.message },
          locations: [location(f.file, f.range, opts.root)],
          partialFingerprints: { 'criticFingerprint/v1': f.fingerprint },
          ...(f.related.length
            ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...location(r.file, r.range, opts.root), message: { text: r.message } })) }
            : {}),
          properties: {
            tier: f.tier,
            confidence: f.confidence,
            unit: f.unit,
            source: f.source,
            ...(f.alsoReportedBy?.length ? { alsoReportedBy: f.alsoReportedBy } : {}),
          },
        })),
      },
    ],
  };
}
