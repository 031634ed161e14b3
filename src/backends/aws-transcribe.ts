import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type * as TranscribeSdk from '@aws-sdk/client-transcribe';
import type { TranscribeClient, TranscriptionJob } from '@aws-sdk/client-transcribe';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { registerBackend } from './registry.ts';
import { codeVersion as moduleCodeVersion, withRequestVersion } from './code-version.ts';
import { awsRequestVersion, objectKeyOf, startJobInput } from './aws-transcribe-request.ts';
import { BackendConfigError, BackendError, UploadLimitError, type AudioRef, type Backend, type BackendInfo, type Transcript, type WordTiming } from './types.ts';
import { OptionReader, costAtPerMinute, optionsHash } from './options.ts';
import { abortedError, errorForStatus, headerGetter, isRetryableStatus, parseRetryAfter, sleep } from './http-errors.ts';
import { scrubString, stripSecrets } from './secrets.ts';
import { languageOfTag } from './language.ts';

/** Public list price, standard batch transcription tier 1 (aws.amazon.com/transcribe/pricing), USD per minute. */
export const AWS_TRANSCRIBE_PRICE_PER_MINUTE = 0.024;
/** AWS bills per second with a minimum of 15 seconds per request. */
export const AWS_TRANSCRIBE_MIN_BILLED_SEC = 15;
/** Batch Transcribe takes media up to 4 hours long and 2 GB in size (docs.aws.amazon.com/transcribe/latest/dg/limits-guidelines.html). */
export const AWS_TRANSCRIBE_MAX_SEC = 4 * 3600;
export const AWS_TRANSCRIBE_MAX_BYTES = 2 * 1024 ** 3;

export interface AwsTranscribeOptions {
  region: string;
  bucket: string;
  prefix: string;
  languageCode: string;
  /** Transcribe endpoint override (compatible services, the test server). */
  endpoint?: string;
  /** S3 endpoint override. */
  s3Endpoint?: string;
  forcePathStyle: boolean;
  vocabularyName?: string;
  showSpeakerLabels: boolean;
  maxSpeakerLabels: number;
  /** First poll delay; later polls back off ×1.5 up to maxPollIntervalMs. */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  priceUsdPerMinute?: number;
}

const OPTION_NAMES = [
  'region', 'bucket', 'prefix', 'languageCode', 'endpoint', 's3Endpoint', 'forcePathStyle', 'vocabularyName',
  'showSpeakerLabels', 'maxSpeakerLabels', 'pollIntervalMs', 'maxPollIntervalMs', 'priceUsdPerMinute',
] as const;

export function parseAwsTranscribeOptions(options: Record<string, unknown>): AwsTranscribeOptions {
  const r = new OptionReader('aws-transcribe', options);
  r.rejectUnknown(OPTION_NAMES);
  const bucket = r.string('bucket');
  if (!bucket) throw new Error('aws-transcribe backend: option "bucket" is required (the S3 bucket audio is uploaded to)');
  const region = r.string('region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('aws-transcribe backend: option "region" is required (or set AWS_REGION)');
  for (const name of ['endpoint', 's3Endpoint'] as const) {
    const v = r.string(name);
    if (v !== undefined && !/^https?:\/\//.test(v)) throw new Error(`aws-transcribe backend: option "${name}" must be an http(s) URL`);
  }
  const languageCode = r.string('languageCode', 'en-US');
  // Transcribe's LanguageCode is a language-REGION tag (en-US, en-GB, ta-IN, zh-CN…), never a language name.
  if (!/^[a-z]{2,3}-[A-Z]{2}$/.test(languageCode) || !languageOfTag(languageCode)) {
    throw new Error(`aws-transcribe backend: option "languageCode" must be a Transcribe language code such as en-US, en-GB, ta-IN (got ${JSON.stringify(languageCode)})`);
  }
  return {
    region,
    bucket,
    prefix: r.string('prefix', 'asrfair').replace(/^\/+|\/+$/g, ''),
    languageCode,
    endpoint: r.string('endpoint'),
    s3Endpoint: r.string('s3Endpoint'),
    forcePathStyle: r.boolean('forcePathStyle', true),
    vocabularyName: r.string('vocabularyName'),
    showSpeakerLabels: r.boolean('showSpeakerLabels', false),
    maxSpeakerLabels: r.number('maxSpeakerLabels', 2),
    pollIntervalMs: r.number('pollIntervalMs', 2000),
    maxPollIntervalMs: r.number('maxPollIntervalMs', 15_000),
    priceUsdPerMinute: r.number('priceUsdPerMinute'),
  };
}

/** The transcript JSON Transcribe writes (only the parts we read). */
interface TranscribeOutput {
  jobName?: string;
  results?: {
    transcripts?: { transcript?: string }[];
    items?: { type?: string; start_time?: string; end_time?: string; alternatives?: { content?: string; confidence?: string }[] }[];
  };
}

/** AWS error names meaning "slow down / try later" even though they come as HTTP 400. */
const THROTTLING = new Set(['ThrottlingException', 'LimitExceededException', 'TooManyRequestsException', 'SlowDown', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException']);

/** AWS error names meaning the credentials are missing, wrong, expired or not allowed. */
const AUTH_ERRORS = new Set(['UnrecognizedClientException', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'ExpiredToken', 'ExpiredTokenException', 'AccessDeniedException', 'AccessDenied', 'MissingAuthenticationTokenException']);

interface AwsSdkError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

/** The two AWS SDK packages this backend calls. */
interface AwsSdk {
  transcribe: typeof TranscribeSdk;
  s3: typeof S3Sdk;
}
let awsSdkLoad: Promise<AwsSdk> | undefined;
/**
 * The AWS SDK, imported on the first call rather than with the backend registry: every command that registers
 * backends (run, worker, backends) would otherwise load it (about 200 ms of CPU) whether or not a suite uses AWS.
 */
function awsSdk(): Promise<AwsSdk> {
  awsSdkLoad ??= Promise.all([import('@aws-sdk/client-transcribe'), import('@aws-sdk/client-s3')]).then(([transcribe, s3]) => ({ transcribe, s3 }));
  return awsSdkLoad;
}

export class AwsTranscribeBackend implements Backend {
  readonly key: string;
  /** Backend.requestVersion: aws-transcribe-request.ts's source version and the SDK clients'. */
  readonly requestVersion = awsRequestVersion();
  /** This module's code version (it imports the request module) and the request version (Backend.codeVersion). */
  readonly codeVersion = withRequestVersion(moduleCodeVersion(['backends/aws-transcribe.ts']), this.requestVersion);
  private readonly optHash: string;
  private transcribeClient?: TranscribeClient;
  private s3Client?: S3Client;

  constructor(readonly options: AwsTranscribeOptions) {
    const o = options;
    this.optHash = optionsHash({ endpoint: o.endpoint ?? null, region: o.region, languageCode: o.languageCode, vocabularyName: o.vocabularyName, showSpeakerLabels: o.showSpeakerLabels, maxSpeakerLabels: o.showSpeakerLabels ? o.maxSpeakerLabels : undefined });
    this.key = `aws-transcribe:standard-${o.languageCode}:${this.optHash}`;
  }

  /** Media over Transcribe's 4 h / 2 GB limits cannot be sent: the reason, else undefined. */
  async checkUpload(audio: AudioRef): Promise<string | undefined> {
    const bytes = (await stat(audio.wav16k)).size;
    if (audio.durationSec <= AWS_TRANSCRIBE_MAX_SEC && bytes <= AWS_TRANSCRIBE_MAX_BYTES) return undefined;
    return `upload limit: ${(audio.durationSec / 3600).toFixed(2)} h / ${(bytes / 1e9).toFixed(2)} GB is over Transcribe's 4 h / 2 GB per job; cut it into segments (manifest start/end) to score it`;
  }

  estimateCostUsd(durationSec: number): number {
    return costAtPerMinute(Math.max(AWS_TRANSCRIBE_MIN_BILLED_SEC, durationSec), this.options.priceUsdPerMinute ?? AWS_TRANSCRIBE_PRICE_PER_MINUTE);
  }

  async info(): Promise<BackendInfo> {
    return {
      name: 'aws-transcribe',
      // Batch Transcribe exposes no model version; the language model is chosen by LanguageCode.
      version: 'batch',
      model: `standard ${this.options.languageCode}${this.options.vocabularyName ? ` + vocabulary ${this.options.vocabularyName}` : ''}`,
      capabilities: { wordTimes: true, confidences: true, phones: false, glassBox: false, remote: true },
      language: languageOfTag(this.options.languageCode),
    };
  }

  private clients(aws: AwsSdk): { transcribe: TranscribeClient; s3: S3Client } {
    // Credentials come from the SDK's default provider chain only (env, shared profile files, SSO, instance roles).
    // maxAttempts 1: the run engine owns retries and their budget.
    this.transcribeClient ??= withoutNodeVersionWarning(() => new aws.transcribe.TranscribeClient({ region: this.options.region, endpoint: this.options.endpoint, maxAttempts: 1 }));
    this.s3Client ??= withoutNodeVersionWarning(() => new aws.s3.S3Client({ region: this.options.region, endpoint: this.options.s3Endpoint, forcePathStyle: this.options.forcePathStyle, maxAttempts: 1 }));
    return { transcribe: this.transcribeClient, s3: this.s3Client };
  }

  async transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript> {
    const refused = await this.checkUpload(audio);
    if (refused) throw new UploadLimitError(`aws-transcribe: ${refused}`);
    const aws = await awsSdk();
    const { transcribe, s3 } = this.clients(aws);
    const o = this.options;
    const objectKey = objectKeyOf(o, audio.sha256);
    // Unique per attempt: a retried call must not collide with a job of the same name still being deleted.
    const jobName = `asrfair-${this.optHash}-${audio.sha256.slice(0, 16)}-${randomBytes(4).toString('hex')}`;
    let uploaded = false;
    let started = false;
    try {
      const body = await readFile(audio.wav16k);
      await this.call('S3 PutObject', signal, () =>
        s3.send(new aws.s3.PutObjectCommand({ Bucket: o.bucket, Key: objectKey, Body: body, ContentType: 'audio/wav' }), { abortSignal: signal }),
      );
      uploaded = true;
      const input = startJobInput(o, jobName, objectKey);
      await this.call('StartTranscriptionJob', signal, () => transcribe.send(new aws.transcribe.StartTranscriptionJobCommand(input), { abortSignal: signal }));
      started = true;
      const job = await this.poll(aws, transcribe, jobName, signal);
      const uri = job.Transcript?.TranscriptFileUri;
      if (!uri) throw new BackendError(`aws-transcribe: job ${jobName} completed without a TranscriptFileUri`, true);
      const output = await this.fetchTranscript(uri, signal);
      return this.readAnswer(output, stripSecrets({ job: describeJob(job), transcript: output }), audio.durationSec, jobName);
    } finally {
      await this.cleanUp(aws, transcribe, s3, started ? jobName : undefined, uploaded ? objectKey : undefined);
    }
  }

  /**
   * The transcript in a Transcribe output file (`results.transcripts[0].transcript`, word items with times and
   * confidences) with its cost at the list price; `raw` is what the store keeps. Throws a retryable BackendError when
   * the file has no transcript (naming `jobName`).
   */
  private readAnswer(output: TranscribeOutput, raw: unknown, durationSec: number, jobName: string): Transcript {
    const text = output.results?.transcripts?.[0]?.transcript;
    if (typeof text !== 'string') throw new BackendError(`aws-transcribe: transcript file of job ${jobName} has no results.transcripts[0].transcript`, true);
    return { text, words: parseItems(output.results?.items), raw, costUsd: this.estimateCostUsd(durationSec) };
  }

  /**
   * Backend.rereadAnswer: the transcript of a stored answer (`raw` as `transcribe` stored it: `{ job, transcript }`,
   * the job's description and the output file), read by the current code. Throws when `raw` holds no output file.
   */
  rereadAnswer(raw: unknown, durationSec: number): Transcript {
    const r = raw as { job?: { name?: unknown }; transcript?: unknown } | null;
    if (r === null || typeof r !== 'object' || r.transcript === null || typeof r.transcript !== 'object') throw new Error('aws-transcribe: the stored result holds no transcript file');
    return this.readAnswer(r.transcript as TranscribeOutput, raw, durationSec, typeof r.job?.name === 'string' ? r.job.name : 'stored');
  }

  private async poll(aws: AwsSdk, client: TranscribeClient, jobName: string, signal: AbortSignal): Promise<TranscriptionJob> {
    let delay = this.options.pollIntervalMs;
    for (;;) {
      try {
        await sleep(delay, signal);
      } catch {
        throw abortedError('aws-transcribe', signal);
      }
      delay = Math.min(this.options.maxPollIntervalMs, Math.ceil(delay * 1.5));
      const res = await this.call('GetTranscriptionJob', signal, () =>
        client.send(new aws.transcribe.GetTranscriptionJobCommand({ TranscriptionJobName: jobName }), { abortSignal: signal }),
      );
      const job = res.TranscriptionJob;
      const status = job?.TranscriptionJobStatus;
      if (!job || !status) throw new BackendError(`aws-transcribe: GetTranscriptionJob for ${jobName} returned no job status`, true);
      if (status === 'COMPLETED') return job;
      if (status === 'FAILED') {
        const reason = job.FailureReason ?? 'no reason given';
        // Media problems repeat on every try; internal failures may not.
        throw new BackendError(`aws-transcribe: job ${jobName} FAILED: ${scrubString(reason).slice(0, 300)}`, /internal|try again|timed? ?out/i.test(reason));
      }
    }
  }

  private async fetchTranscript(uri: string, signal: AbortSignal): Promise<TranscribeOutput> {
    const where = redactUrl(uri);
    let res: Response;
    try {
      res = await fetch(uri, { signal });
    } catch (err) {
      if (signal.aborted) throw abortedError('aws-transcribe', signal);
      throw new BackendError(`aws-transcribe: fetching transcript ${where} failed (${scrubString((err as Error).message)})`, true);
    }
    const body = await res.text().catch(() => '');
    if (!res.ok) throw errorForStatus(`aws-transcribe: fetching transcript ${where}`, res.status, scrubString(body).slice(0, 200), res.headers);
    try {
      return JSON.parse(body) as TranscribeOutput;
    } catch {
      throw new BackendError(`aws-transcribe: transcript file ${where} is not valid JSON`, true);
    }
  }

  private async cleanUp(aws: AwsSdk, transcribe: TranscribeClient, s3: S3Client, jobName: string | undefined, objectKey: string | undefined): Promise<void> {
    // Best effort and not tied to the call's signal: an aborted call must still remove what it created.
    const signal = AbortSignal.timeout(15_000);
    const tasks: Promise<unknown>[] = [];
    if (jobName) tasks.push(transcribe.send(new aws.transcribe.DeleteTranscriptionJobCommand({ TranscriptionJobName: jobName }), { abortSignal: signal }));
    if (objectKey) tasks.push(s3.send(new aws.s3.DeleteObjectCommand({ Bucket: this.options.bucket, Key: objectKey }), { abortSignal: signal }));
    await Promise.allSettled(tasks);
  }

  /** Runs one SDK call and turns its failure into a BackendError with the retry policy the run engine expects. */
  private async call<T>(what: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapAwsError(what, err, signal);
    }
  }

  async close(): Promise<void> {
    this.transcribeClient?.destroy();
    this.s3Client?.destroy();
    this.transcribeClient = undefined;
    this.s3Client = undefined;
  }
}

/**
 * Builds an SDK client without its 10-line NodeVersionSupportWarning (SDK releases after January 2027 need Node ≥ 22;
 * ours are pinned): the SDK's own switch, set only while the client reads its configuration, so the process
 * environment that child processes inherit is left as it was.
 */
function withoutNodeVersionWarning<T>(make: () => T): T {
  const KEY = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  const had = Object.prototype.hasOwnProperty.call(process.env, KEY);
  const prev = process.env[KEY];
  process.env[KEY] = 'true';
  try {
    return make();
  } finally {
    if (had) process.env[KEY] = prev;
    else delete process.env[KEY];
  }
}

/** The SDK's message on one line, without its advice on hidden fields (`Deserialization error: … {error}.$response …`). */
function sdkMessage(m: string): string {
  return m
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/\$response|^Deserialization error:/.test(l))
    .join(' ');
}

export function mapAwsError(what: string, err: unknown, signal: AbortSignal): BackendError {
  if (err instanceof BackendError) return err;
  const e = (err ?? {}) as AwsSdkError;
  if (signal.aborted || e.name === 'AbortError') return abortedError(`aws-transcribe ${what}`, signal);
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const message = scrubString(`${name}: ${sdkMessage(e.message ?? String(err))}`).slice(0, 300);
  const retryAfter = parseRetryAfter(headerGetter(e.$response?.headers));
  if (THROTTLING.has(name)) return new BackendError(`aws-transcribe ${what}: ${message}`, true, retryAfter, status);
  if (name === 'CredentialsProviderError') return new BackendConfigError(`aws-transcribe ${what}: no AWS credentials found by the default provider chain (${message})`);
  // Every call fails the same way until the credentials or permissions are fixed: configuration, not this utterance.
  if (AUTH_ERRORS.has(name)) return new BackendConfigError(`aws-transcribe ${what}: ${message}`, status);
  if (status !== undefined && status >= 400) {
    // The SDK reports bodies it cannot parse as a deserialization error on an otherwise 2xx/5xx response.
    return new BackendError(`aws-transcribe ${what}: HTTP ${status}: ${message}`, isRetryableStatus(status) || e.$fault === 'server', retryAfter, status);
  }
  if (err instanceof SyntaxError || /Deserializ|Unexpected token|JSON/i.test(e.message ?? '')) {
    return new BackendError(`aws-transcribe ${what}: malformed response (${message})`, true, undefined, status);
  }
  const code = (err as { code?: string }).code;
  if (code && /^E(CONNRESET|CONNREFUSED|TIMEDOUT|PIPE|AI_AGAIN|NETUNREACH|HOSTUNREACH)$/.test(code)) return new BackendError(`aws-transcribe ${what}: network error ${code}`, true);
  if (e.name === 'TimeoutError') return new BackendError(`aws-transcribe ${what}: timed out`, true);
  return new BackendError(`aws-transcribe ${what}: ${message}`, e.$fault === 'server', undefined, status);
}

/** Drops the query string (a presigned URL's signature and security token) from a URL shown or stored. */
function redactUrl(uri: string): string {
  try {
    const u = new URL(uri);
    return `${u.origin}${u.pathname}${u.search ? '?[redacted]' : ''}`;
  } catch {
    return '[unparseable url]';
  }
}

function describeJob(job: TranscriptionJob): Record<string, unknown> {
  return {
    name: job.TranscriptionJobName,
    status: job.TranscriptionJobStatus,
    languageCode: job.LanguageCode,
    mediaFormat: job.MediaFormat,
    mediaSampleRateHertz: job.MediaSampleRateHertz,
    transcriptFileUri: job.Transcript?.TranscriptFileUri ? redactUrl(job.Transcript.TranscriptFileUri) : undefined,
    creationTime: job.CreationTime?.toISOString(),
    completionTime: job.CompletionTime?.toISOString(),
  };
}

function parseItems(items: NonNullable<TranscribeOutput['results']>['items']): WordTiming[] | undefined {
  if (!Array.isArray(items)) return undefined;
  const out: WordTiming[] = [];
  for (const it of items) {
    if (it?.type !== 'pronunciation') continue;
    const alt = it.alternatives?.[0];
    const start = Number(it.start_time);
    const end = Number(it.end_time);
    if (typeof alt?.content !== 'string' || !Number.isFinite(start) || !Number.isFinite(end)) continue;
    const confidence = alt.confidence === undefined ? undefined : Number(alt.confidence);
    out.push({ word: alt.content, start, end, ...(confidence !== undefined && Number.isFinite(confidence) ? { confidence } : {}) });
  }
  return out;
}

registerBackend({
  type: 'aws-transcribe',
  description: 'Amazon Transcribe batch jobs: upload to S3, StartTranscriptionJob, poll, fetch the transcript, clean up',
  options: {
    region: 'AWS region (default AWS_REGION)',
    bucket: 'S3 bucket for uploads (required)',
    prefix: 'key prefix in the bucket (default asrfair); objects are <prefix>/<sha256>.wav and deleted after each call',
    languageCode: 'Transcribe LanguageCode (default en-US)',
    endpoint: 'Transcribe endpoint URL override (compatible services, tests)',
    s3Endpoint: 'S3 endpoint URL override',
    forcePathStyle: 'path-style S3 addressing (default true)',
    vocabularyName: 'custom vocabulary name',
    showSpeakerLabels: 'speaker diarisation (default false)',
    maxSpeakerLabels: 'speakers when showSpeakerLabels is on (default 2)',
    pollIntervalMs: 'first poll delay in ms (default 2000; backs off ×1.5)',
    maxPollIntervalMs: 'longest poll delay in ms (default 15000)',
    priceUsdPerMinute: `override list price (default $${AWS_TRANSCRIBE_PRICE_PER_MINUTE}/min, ${AWS_TRANSCRIBE_MIN_BILLED_SEC} s minimum per request)`,
  },
  env: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION'],
  async create(options) {
    return new AwsTranscribeBackend(parseAwsTranscribeOptions(options));
  },
});
