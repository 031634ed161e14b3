import { readFileSync } from 'node:fs';
import { readL2ArcticAnnotations, type PhoneError } from '../corpora/importers/textgrid.ts';
import { InputError } from '../manifest/errors.ts';
import { NO_PHONE, type ConfusableResult, type ConfusionKind } from './confusable.ts';

/**
 * Agreement between confusions the suite flags per L1 group and the phone errors human annotators
 * marked in L2-ARCTIC (TextGrid phone tier labels "CPL,PPL,s|d|a").
 */

export interface AnnotatedSpeaker {
  speaker: string;
  /** Group (e.g. the declared L1). */
  group: string;
  /** The speaker's `annotation/` folder of TextGrids. */
  annotationDir: string;
}

export interface AnnotatedPair {
  group: string;
  kind: ConfusionKind;
  ref: string;
  hyp: string;
  count: number;
  speakers: number;
}

/** L2-ARCTIC phone symbols → the suite's ARPAbet (upper case, stress removed); silence/`err` → NO_PHONE. */
export function normaliseAnnotatedPhone(p: string): string {
  const s = p.trim().toUpperCase().replace(/[0-9*]+$/g, '');
  return s === '' || s === 'SIL' || s === 'SP' || s === 'ERR' ? NO_PHONE : s;
}

export function annotationPair(e: PhoneError): { kind: ConfusionKind; ref: string; hyp: string } | undefined {
  const ref = normaliseAnnotatedPhone(e.canonical);
  const hyp = normaliseAnnotatedPhone(e.perceived);
  if (e.type === 'd') return ref === NO_PHONE ? undefined : { kind: 'del', ref, hyp: NO_PHONE };
  if (e.type === 'a') return hyp === NO_PHONE ? undefined : { kind: 'ins', ref: NO_PHONE, hyp };
  if (ref === NO_PHONE || hyp === NO_PHONE || ref === hyp) return undefined;
  return { kind: 'sub', ref, hyp };
}

/** Counts annotated pairs per group from per-speaker annotations; pairs below `minCount` or `minSpeakers` are dropped. */
export function annotatedPairs(
  perSpeaker: ReadonlyArray<{ speaker: string; group: string; errors: Iterable<PhoneError> }>,
  opts: { minCount?: number; minSpeakers?: number } = {},
): AnnotatedPair[] {
  const minCount = opts.minCount ?? 1;
  const minSpeakers = opts.minSpeakers ?? 1;
  const acc = new Map<string, AnnotatedPair & { who: Set<string> }>();
  for (const s of perSpeaker) {
    for (const e of s.errors) {
      const p = annotationPair(e);
      if (!p) continue;
      const key = `${s.group}\u0000${p.ref}\u0000${p.hyp}`;
      let a = acc.get(key);
      if (!a) acc.set(key, (a = { group: s.group, ...p, count: 0, speakers: 0, who: new Set() }));
      a.count++;
      a.who.add(s.speaker);
    }
  }
  return [...acc.values()]
    .map(({ who, ...a }) => ({ ...a, speakers: who.size }))
    .filter((a) => a.count >= minCount && a.speakers >= minSpeakers)
    .sort((a, b) => a.group.localeCompare(b.group) || b.count - a.count);
}

/** Reads every speaker's annotation folder and counts annotated pairs per group. */
export async function readAnnotatedPairs(speakers: readonly AnnotatedSpeaker[], opts: { minCount?: number; minSpeakers?: number } = {}): Promise<AnnotatedPair[]> {
  const per = await Promise.all(
    speakers.map(async (s) => ({ speaker: s.speaker, group: s.group, errors: [...(await readL2ArcticAnnotations(s.annotationDir)).values()].flat() })),
  );
  return annotatedPairs(per, opts);
}

/**
 * Annotated pairs from the side file `asrfair import l2arctic` writes (`<out>.annotations.json`:
 * utterance id → phone errors), grouped by the utterances' groups (utterances not listed are ignored).
 */
export function annotatedPairsFromFile(
  file: string,
  utterances: ReadonlyArray<{ id: string; speaker: string; group: string }>,
  opts: { minCount?: number; minSpeakers?: number } = {},
): AnnotatedPair[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, undefined, code === 'ENOENT' ? 'annotations file not found' : `not valid JSON (${(e as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InputError(file, undefined, 'expected an object: utterance id → phone errors');
  const byId = data as Record<string, unknown>;
  const per: { speaker: string; group: string; errors: PhoneError[] }[] = [];
  for (const u of utterances) {
    const errs = byId[u.id];
    if (errs === undefined) continue;
    if (!Array.isArray(errs) || !errs.every((e) => typeof e?.canonical === 'string' && typeof e?.perceived === 'string' && typeof e?.type === 'string')) {
      throw new InputError(file, undefined, `utterance "${u.id}": expected a list of {canonical, perceived, type, start, end}`);
    }
    per.push({ speaker: u.speaker, group: u.group, errors: errs as PhoneError[] });
  }
  return annotatedPairs(per, opts);
}

export interface AgreementRow {
  group: string;
  flagged: string[];
  annotated: string[];
  agreed: string[];
  /** |flagged ∩ annotated| / |flagged| (NaN when nothing is flagged). */
  precision: number;
  /** |flagged ∩ annotated| / |annotated| (NaN when nothing is annotated). */
  recall: number;
  f1: number;
}

export interface Agreement {
  kinds: ConfusionKind[];
  groups: AgreementRow[];
  /** Micro-averaged over groups. */
  overall: { precision: number; recall: number; f1: number; flagged: number; annotated: number; agreed: number };
}

function label(p: { ref: string; hyp: string }): string {
  return `${p.ref}→${p.hyp}`;
}

function f1(p: number, r: number): number {
  return p + r > 0 ? (2 * p * r) / (p + r) : Number.NaN;
}

/** Precision/recall of flagged confusions against annotated pairs, per group (default: substitutions only). */
export function flaggedAnnotationAgreement(result: ConfusableResult, annotated: readonly AnnotatedPair[], opts: { kinds?: ConfusionKind[] } = {}): Agreement {
  const kinds = opts.kinds ?? ['sub'];
  const groups = [...new Set([...result.groups, ...annotated.map((a) => a.group)])].sort();
  let tf = 0,
    ta = 0,
    tg = 0;
  const rows = groups.map((group): AgreementRow => {
    const flagged = new Set(result.confusions.filter((t) => t.group === group && t.flagged && kinds.includes(t.kind)).map(label));
    const ann = new Set(annotated.filter((a) => a.group === group && kinds.includes(a.kind)).map(label));
    const agreed = [...flagged].filter((x) => ann.has(x));
    tf += flagged.size;
    ta += ann.size;
    tg += agreed.length;
    const precision = flagged.size ? agreed.length / flagged.size : Number.NaN;
    const recall = ann.size ? agreed.length / ann.size : Number.NaN;
    return { group, flagged: [...flagged].sort(), annotated: [...ann].sort(), agreed: agreed.sort(), precision, recall, f1: f1(precision, recall) };
  });
  const precision = tf ? tg / tf : Number.NaN;
  const recall = ta ? tg / ta : Number.NaN;
  return { kinds, groups: rows, overall: { precision, recall, f1: f1(precision, recall), flagged: tf, annotated: ta, agreed: tg } };
}
