/**
 * Source sample rates per group: audio recorded below 16 kHz (telephone 8 kHz, some 11.025 kHz clips) lacks
 * the band above its Nyquist frequency that a 16 kHz acoustic model uses — most of the energy of S, Z, F, TH —
 * so a group recorded that way is misrecognised on those sounds whatever its speakers' accent. Upsampling to
 * 16 kHz does not bring the band back. Groups that differ in it must be told apart from groups that differ in
 * accent.
 */

/** The rate below which a source lacks part of a 16 kHz model's band (Hz). */
export const WIDEBAND_HZ = 16000;

/** Per group: source sample rate (Hz) → utterances. */
export type SourceRates = Record<string, Record<string, number>>;

/** Counts each utterance's source sample rate under its group (`sampleRate` undefined: not counted). */
export function sourceRatesByGroup(items: readonly { group: string; sampleRate?: number }[]): SourceRates {
  const out: SourceRates = {};
  for (const it of items) {
    if (it.sampleRate === undefined) continue;
    const g = (out[it.group] ??= {});
    g[String(it.sampleRate)] = (g[String(it.sampleRate)] ?? 0) + 1;
  }
  return out;
}

/** Share of a group's utterances whose source is below `WIDEBAND_HZ` (NaN for a group with none counted). */
export function narrowbandShare(rates: Readonly<Record<string, number>>): number {
  let narrow = 0;
  let all = 0;
  for (const [rate, n] of Object.entries(rates)) {
    all += n;
    if (Number(rate) < WIDEBAND_HZ) narrow += n;
  }
  return all ? narrow / all : Number.NaN;
}

/** `8000 Hz ×36, 16000 Hz ×2` (rates ascending). */
export function ratesText(rates: Readonly<Record<string, number>>): string {
  return Object.entries(rates)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([r, n]) => `${r} Hz ×${n}`)
    .join(', ');
}

/**
 * One warning when the groups' shares of sources below 16 kHz differ by 10 percentage points or more (e.g.
 * one group recorded by telephone): says each group's share and rates, and why it matters. Undefined when
 * every group's share is within 10 points of the others' (including when all are wideband).
 */
export function bandwidthWarning(rates: SourceRates): string | undefined {
  const shares = Object.entries(rates)
    .map(([g, r]) => ({ g, share: narrowbandShare(r), r }))
    .filter((x) => Number.isFinite(x.share));
  if (shares.length < 2) return undefined;
  const lo = Math.min(...shares.map((x) => x.share));
  const hi = Math.max(...shares.map((x) => x.share));
  if (hi - lo < 0.1) return undefined;
  const per = shares
    .sort((a, b) => b.share - a.share || a.g.localeCompare(b.g))
    .map((x) => `${x.g} ${Math.round(100 * x.share)} % (${ratesText(x.r)})`)
    .join('; ');
  return `groups differ in source sample rate — share of utterances recorded below ${WIDEBAND_HZ / 1000} kHz: ${per}. Audio below 16 kHz lacks the high band a 16 kHz model uses (S, Z, F, TH carry much of their energy there), and resampling does not restore it: differences on those sounds between these groups can come from the recording, not the accent`;
}
