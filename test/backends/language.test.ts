import { describe, expect, it } from 'vitest';
import { checkIso6391, isIso6391, languageOfTag } from '../../src/backends/language.ts';
import { languageCode } from '../../src/manifest/language-tag.ts';
import { foldLocale } from '../../src/text/markup.ts';
import { localeLanguage } from '../../src/corpora/importers/commonvoice.ts';
import { parseOpenAIOptions } from '../../src/backends/openai.ts';
import { parseAwsTranscribeOptions } from '../../src/backends/aws-transcribe.ts';
import { parseCommandOptions } from '../../src/backends/command.ts';
import { UtteranceSchema } from '../../src/manifest/schema.ts';

describe('ISO 639-1 language options', () => {
  it('accepts the 183 current codes and refuses names, locales and withdrawn codes with a hint', () => {
    for (const c of ['en', 'ta', 'zh', 'cy', 'yo']) expect(isIso6391(c)).toBe(true);
    for (const c of ['english', 'EN', 'en-US', 'eng', 'bh', 'xx', '']) expect(isIso6391(c)).toBe(false);
    expect(() => checkIso6391('openai', 'language', 'english')).toThrow(/"english"\) \(did you mean "en"\?\)/);
    expect(() => checkIso6391('openai', 'language', 'en-US')).toThrow(/did you mean "en"/);
    expect(() => checkIso6391('openai', 'language', 'xx')).toThrow(/must be an ISO-639-1 code such as en, es, ta \(got "xx"\)$/);
  });

  it('each backend checks its language option when built; the manifest accepts codes with regions only', () => {
    expect(() => parseOpenAIOptions({ language: 'english' })).toThrow(/ISO-639-1/);
    expect(parseOpenAIOptions({ language: 'ta' }).language).toBe('ta');
    expect(() => parseAwsTranscribeOptions({ region: 'us-east-1', bucket: 'b', languageCode: 'en' })).toThrow(/such as en-US/);
    expect(parseAwsTranscribeOptions({ region: 'us-east-1', bucket: 'b', languageCode: 'ta-IN' }).languageCode).toBe('ta-IN');
    expect(() => parseCommandOptions({ command: 'x', language: 'Tamil' }, '/')).toThrow(/did you mean "ta"/);
    const u = (language: string) => UtteranceSchema.safeParse({ id: 'a', audio: 'a.wav', text: 'x', language }).success;
    expect([u('ta'), u('en-US'), u('Tamil'), u('english')]).toEqual([true, true, false, false]);
    expect(languageOfTag('en-US')).toBe('en');
    expect(languageOfTag('english')).toBeUndefined();
  });
});

describe('languageCode: the one reading of a language tag (manifest language, backend locales, Common Voice folders)', () => {
  it('is the primary subtag, lower-cased; each reader of a tag agrees with it', () => {
    expect(['tr', 'tr-TR', ' AZ_az ', 'zh-CN', 'kab', 'en-US-x-twain', '', '  ', undefined].map(languageCode)).toEqual(['tr', 'tr', 'az', 'zh', 'kab', 'en', undefined, undefined, undefined]);
    expect(['tr-TR', 'AZ', 'az-Latn-AZ', 'en-TR', 'trk'].map(foldLocale)).toEqual(['tr', 'tr', 'tr', undefined, undefined]);
    expect(['zh-CN', 'kab', 'ta', 'sv-SE'].map(localeLanguage)).toEqual(['zh', undefined, 'ta', 'sv']);
    expect(['en_GB', 'kab', undefined].map(languageOfTag)).toEqual(['en', undefined, undefined]);
  });
});
