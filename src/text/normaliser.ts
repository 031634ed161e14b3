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
}
