/**
 * Panel mode: several critics read the same batch, and a finding survives only when enough of
 * them quote overlapping code (PoLL: a panel of small models from different families agrees with
 * humans better than one large judge). Tool or executed evidence on the same code can stand in
 * for the missing votes: the panel is a filter against hallucinated bugs, not against real ones.
 */
import { rangesOverlap, type RelatedLocation } from '../findings.js';
import type { Candidate, PanelNote } from './candidates.js';
import { oneLine } from '../text.js';

export interface PanelVerdict {
  /** The finding to report: the most confident member's, with the agreeing members' mean confidence. */
  finding: Candidate;
  note: PanelNote;
}

export interface PanelOptions {
  /** How many members must quote overlapping code (already clamped to the members who answered). */
  quorum: number;
  /** The configured panel size, for the "2 of 3" note. */
  size: number;
  /** The document, for the related locations of the other members' quotes. */
  file: string;
  /** Whether tool or executed evidence backs a candidate. */
  corroborated(c: Candidate): boolean;
}

/**
 * Groups the members' candidates into agreements and keeps those that reach the quorum or are
 * corroborated; returns them with the number of agreements dropped.
 *
 * Grouping is greedy from the most confident candidate: it takes, from every other member, that
 * member's most confident unclaimed candidate in the same unit whose range overlaps its own. One
 * member counts once per agreement, so a member repeating itself cannot reach a quorum alone.
 */
export function panelVote(candidates: readonly Candidate[], options: PanelOptions): { kept: PanelVerdict[]; dropped: number } {
  const order = [...candidates].sort((a, b) => b.confidence - a.confidence || a.member - b.member);
  const claimed = new Set<Candidate>();
  const kept: PanelVerdict[] = [];
  let dropped = 0;
  for (const seed of order) {
    if (claimed.has(seed)) continue;
    claimed.add(seed);
    const group = [seed];
    for (const c of order) {
      if (claimed.has(c) || group.some((g) => g.member === c.member)) continue;
      if (c.unit !== seed.unit || !rangesOverlap(c.range, seed.range)) continue;
      claimed.add(c);
      group.push(c);
    }
    if (group.length < options.quorum && !group.some((c) => options.corroborated(c))) {
      dropped++;
      continue;
    }
    const confidence = group.reduce((sum, c) => sum + c.confidence, 0) / group.length;
    const others: RelatedLocation[] = group.slice(1).map((c) => ({ file: options.file, range: c.range, message: `${c.model} agrees: ${oneLine(c.message, 160)}` }));
    const suffix = group.length > 1 ? ` (${group.length} of ${options.size} critics agree)` : ` (1 of ${options.size} critics, corroborated by evidence)`;
    kept.push({ finding: { ...seed, confidence }, note: { suffix, related: others } });
  }
  return { kept, dropped };
}
