/** A named, versioned text normaliser. Reports name it (and its version) next to every number. */
export interface Normaliser {
  name: string;
  version: string;
  normalise(text: string): string;
}
