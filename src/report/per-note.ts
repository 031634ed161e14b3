/**
 * The card's note on phone error rate: what PER is (sclite-style weights as in README "Scoring conventions"), which
 * pronunciation dictionary and letter-to-sound engine produced the phones (run.json `scoring.phones`), and how many
 * word tokens per group went through that engine: PER of those tokens changes with the engine installed.
 */
import type { OovCounts, PhoneSources, RunMeta } from '../score/run-export.ts';

/** Whether the run measured PER (its metrics, or the phone provenance its export recorded). */
export function runHasPer(meta: RunMeta): boolean {
  return meta.scoring?.phones !== undefined || (meta.analysis?.metrics ?? []).includes('per');
}

/** `flite's t2p (flite-2.2-current Sep 2018)`, `espeak-ng 1.51 voice en-us`, `no letter-to-sound engine`. */
export function letterToSoundName(l: PhoneSources['letterToSound']): string {
  if (l.engine === 'none') return 'no letter-to-sound engine';
  const what = l.engine === 'flite' ? `flite's ${l.program ?? 't2p'}` : (l.program ?? l.engine);
  return `${what} (${l.version ? `version ${l.version}` : 'version not reported'}${l.voice ? `, voice ${l.voice}` : ''})`;
}

const share = (n: number, of: number) => `${n} of ${of}`;

/**
 * The PER definition and provenance note, or undefined when the run has no PER. `groupBy`: the card's grouping key
 * (per-group counts are given for it); `hidden`: groups a published card suppresses (`meta` is the published card's,
 * already without their counts: src/report/published-meta.ts; the note only says they are not listed).
 */
export function perNote(meta: RunMeta, groupBy: string, hidden: ReadonlySet<string> = new Set()): string | undefined {
  if (!runHasPer(meta)) return undefined;
  const weights = meta.costModel === 'unit' ? 'unit costs (plain Levenshtein 1/1/1)' : "sclite's weights (substitution 4, insertion 3, deletion 3, as for words)";
  const def =
    'PER (phone error rate) = Σ(S+D+I)/Σ reference phones over the cell: reference and hypothesis words (as scored, after the normaliser) are turned into ARPAbet phones (the 39 CMU phones, stress removed; a dictionary word\'s first pronunciation) and the two phone strings aligned with ' +
    `${weights}; summed over the cell like WER.`;
  const p = meta.scoring?.phones;
  if (!p) return `${def} The pronunciation dictionary and letter-to-sound engine are not recorded by this run (an export from before they were): the PER of words outside the dictionary may differ on another machine.`;
  const dict = `Dictionary: ${p.dictionary.path} (sha256 ${p.dictionary.sha256}, ${p.dictionary.entries.toLocaleString('en-US')} entries).`;
  const engine = letterToSoundName(p.letterToSound);
  const o = p.oov;
  if (o.refOov + o.hypOov === 0) return `${def} ${dict} Words it lacks would get phones from ${engine}; none did in this run, so PER does not depend on it.`;
  const none = p.letterToSound.engine === 'none';
  const groups = Object.entries(p.oov.groups[groupBy] ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([g, c]: [string, OovCounts]) => `${g} ${share(c.refOov, c.refTokens)} reference, ${share(c.hypOov, c.hypTokens)} hypothesis`);
  const byGroup = groups.length ? ` By ${groupBy}: ${groups.join('; ')}${hidden.size ? ' (suppressed groups not listed)' : ''}.` : '';
  const other = p.letterToSound.engine === 'flite' ? ' (espeak-ng, used where flite is not installed)' : p.letterToSound.engine === 'espeak-ng' ? " (flite's t2p, used wherever flite is installed)" : '';
  if (none) {
    return (
      `${def} ${dict} Words it lacks (${o.words} distinct) had no phones: no letter-to-sound engine was installed (flite's t2p or espeak-ng), so ` +
      `${share(o.refOov, o.refTokens)} reference word tokens (each utterance once) and ${share(o.hypOov, o.hypTokens)} hypothesis word tokens (every backend and condition) are left out of the phone strings.${byGroup} ` +
      'The PER of groups with such words is not comparable with a run scored where an engine is installed.'
    );
  }
  return (
    `${def} ${dict} Words it lacks (${o.words} distinct) got phones from ${engine}: ${share(o.refOov, o.refTokens)} reference word tokens (each utterance once) and ` +
    `${share(o.hypOov, o.hypTokens)} hypothesis word tokens (every backend and condition).${byGroup} Another letter-to-sound engine${other} gives other phones for such words, so the PER of groups with them depends on the machine that scored the run.`
  );
}
