/**
 * The primary language subtag of a language tag (BCP 47, RFC 5646 §2.2.1), lower-cased: `tr-TR` → `tr`, `AZ_az` →
 * `az`, `zh-CN` → `zh`, `kab` → `kab`. The manifest's `language`, a backend's locale option (`en-US`) and a Common
 * Voice locale folder (`zh-CN`) are read by it; `_` is accepted as a separator, as POSIX locales write it. Undefined for
 * an undefined or blank tag. Whether the subtag is a known code is the caller's question (backends/language.ts
 * isIso6391).
 */
export function languageCode(tag: string | undefined): string | undefined {
  const l = tag?.trim().split(/[-_]/)[0]?.toLowerCase();
  return l ? l : undefined;
}
