/** A named, versioned text normaliser. Reports name it (and its version) next to every number. */
export interface Normaliser {
  name: string;
  version: string;
  /**
   * `language`: the utterance's declared language tag (`tr`, `az-AZ`, …) when known; a normaliser that lower-cases
   * uses it for the languages whose case rules differ from Unicode's default (Turkish and Azerbaijani dotted and dotless
   * I: `foldLocale` in text/markup.ts).
   */
  normalise(text: string, language?: string): string;
  /** Whether `normalise` lower-cases (`none` keeps case: the comparison is then case-sensitive unless markup folds). */
  readonly lowerCases: boolean;
  /**
   * Primary language subtags (ISO 639-1, lower case: `tr`, `az`) whose own case rules `normalise` lower-cases by when
   * the utterance declares them; every other language (and none declared) by Unicode's default rules. Empty for a
   * normaliser that ignores the language (Whisper's English rules) or does not lower-case.
   */
  readonly foldsByLanguage: readonly string[];
}
