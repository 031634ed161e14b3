/**
 * What shapes an Amazon Transcribe request: the S3 object uploaded and the StartTranscriptionJob input. Kept apart from
 * the code that polls, fetches and reads the answers (aws-transcribe.ts), so that the version of this module alone
 * (`awsRequestVersion`) says whether a stored answer was asked exactly as the current code would ask
 * (Backend.requestVersion).
 */
import { createRequire } from 'node:module';
import type { StartTranscriptionJobCommandInput } from '@aws-sdk/client-transcribe';
import { sourceVersion } from './code-version.ts';

/** The options that shape a request (a subset of AwsTranscribeOptions). */
export interface AwsRequestOptions {
  bucket: string;
  prefix: string;
  languageCode: string;
  vocabularyName?: string;
  showSpeakerLabels: boolean;
  maxSpeakerLabels: number;
}

/** The S3 object key the prepared WAV is uploaded to: `<prefix>/<audio sha256>.wav`. */
export function objectKeyOf(o: AwsRequestOptions, audioSha256: string): string {
  return `${o.prefix ? `${o.prefix}/` : ''}${audioSha256}.wav`;
}

/** StartTranscriptionJob's input for the WAV at `objectKey` (16 kHz, as the audio stage prepares it). */
export function startJobInput(o: AwsRequestOptions, jobName: string, objectKey: string): StartTranscriptionJobCommandInput {
  return {
    TranscriptionJobName: jobName,
    LanguageCode: o.languageCode as StartTranscriptionJobCommandInput['LanguageCode'],
    MediaFormat: 'wav',
    MediaSampleRateHertz: 16000,
    Media: { MediaFileUri: `s3://${o.bucket}/${objectKey}` },
    ...(o.vocabularyName || o.showSpeakerLabels
      ? { Settings: { VocabularyName: o.vocabularyName, ...(o.showSpeakerLabels ? { ShowSpeakerLabels: true, MaxSpeakerLabels: o.maxSpeakerLabels } : {}) } }
      : {}),
  };
}

let memo: string | undefined;
/**
 * This module's source version (no package version) and the AWS SDK clients' versions, e.g. `source sha256 …
 * (2 files), client-transcribe 3.1141.0, client-s3 3.1169.0`: Backend.requestVersion of the aws-transcribe backend.
 */
export function awsRequestVersion(): string {
  if (memo === undefined) {
    const req = createRequire(import.meta.url);
    const v = (p: string) => (req(`@aws-sdk/${p}/package.json`) as { version: string }).version;
    memo = `${sourceVersion(['backends/aws-transcribe-request.ts'])}, client-transcribe ${v('client-transcribe')}, client-s3 ${v('client-s3')}`;
  }
  return memo;
}
