/**
 * A real HTTP server on 127.0.0.1 speaking the wire protocols the AWS SDK uses for Amazon Transcribe batch jobs:
 * - Transcribe JSON 1.1 (POST / with X-Amz-Target: Transcribe.<Operation>, application/x-amz-json-1.1),
 * - path-style S3 PutObject / DeleteObject (`/bucket/key`, including aws-chunked bodies with trailing checksums),
 * - the transcript JSON served over plain HTTP GET (as a presigned TranscriptFileUri would be).
 * Every signed request's SigV4 signature is recomputed with the test's secret and rejected if it does not match.
 * "Recognition" returns the text the test registered for the uploaded audio's sha256.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { listenLoopback } from './loopback.ts';

export interface AwsTestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type AwsOperation = 'StartTranscriptionJob' | 'GetTranscriptionJob' | 'DeleteTranscriptionJob' | 'PutObject' | 'DeleteObject' | 'GetTranscript';

export type AwsFault =
  | { kind: 'throttle'; retryAfter?: string }
  | { kind: 'limit' }
  | { kind: 'status'; status: number }
  | { kind: 'malformed' }
  | { kind: 'hang' }
  /** On StartTranscriptionJob: the job ends FAILED with this reason. */
  | { kind: 'job-failed'; reason: string };

export interface AwsRequestRecord {
  op: AwsOperation | 'unknown';
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  signature: 'valid' | 'invalid' | 'unsigned';
  signatureProblem?: string;
  /** Decoded body bytes (after aws-chunked decoding). */
  bodyBytes: number;
  awsChunked: boolean;
  status: number;
}

interface Job {
  name: string;
  languageCode: string;
  mediaFormat?: string;
  sampleRate?: number;
  mediaUri: string;
  audioSha256: string;
  settings?: unknown;
  polls: number;
  failReason?: string;
  created: number;
}

export interface AwsFakeServer {
  url: string;
  region: string;
  requests: AwsRequestRecord[];
  objects: Map<string, Buffer>;
  jobs: Map<string, Job>;
  startedJobs: { name: string; input: Record<string, unknown> }[];
  deletedJobs: string[];
  deletedObjects: string[];
  /** Registers the transcript returned for audio with this sha256. */
  setTranscript(sha256: string, text: string): void;
  /** Fallback for audio not registered by sha256 (e.g. re-encoded by the audio stage): text from the WAV bytes. */
  setResolver(fn: (wav: Buffer) => string | undefined): void;
  /** GetTranscriptionJob answers IN_PROGRESS this many times before the final state (default 1). */
  setPollsUntilDone(n: number): void;
  pushFault(op: AwsOperation, ...faults: AwsFault[]): void;
  close(): Promise<void>;
}

const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s).digest();

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept). */
function awsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Recomputes an AWS Signature Version 4 from the request as received; returns a problem description or undefined. */
export function verifySigV4(
  req: { method: string; url: string; headers: Record<string, string | string[] | undefined> },
  body: Buffer,
  creds: AwsTestCredentials,
  expect: { region: string; service: string },
): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return 'no Authorization header';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `Authorization header malformed: ${auth.replace(/Signature=\w+/, 'Signature=…')}`;
  const [, akid, date, region, service, signedHeaders, signature] = m;
  if (akid !== creds.accessKeyId) return `unknown access key id`;
  if (region !== expect.region) return `credential scope region ${region} != ${expect.region}`;
  if (service !== expect.service) return `credential scope service ${service} != ${expect.service}`;
  const amzDate = req.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !amzDate.startsWith(date)) return 'x-amz-date missing or not matching the credential date';
  if (creds.sessionToken !== undefined && req.headers['x-amz-security-token'] !== creds.sessionToken) return 'x-amz-security-token missing or wrong';
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  if (creds.sessionToken !== undefined && !names.includes('x-amz-security-token')) return 'x-amz-security-token must be signed';
  const canonicalHeaders = names
    .map((n) => {
      const v = req.headers[n];
      if (v === undefined) throw new Error(`signed header ${n} missing`);
      return `${n}:${(Array.isArray(v) ? v.join(',') : v).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const [rawPath, rawQuery = ''] = req.url.split('?', 2);
  // S3 signs the path as sent; other services sign it URI-encoded once more.
  const canonicalUri = service === 's3' ? rawPath : rawPath.split('/').map(awsEncode).join('/');
  const canonicalQuery = rawQuery
    .split('&')
    .filter(Boolean)
    .map((kv) => {
      const [k, v = ''] = kv.split('=', 2);
      return [awsEncode(decodeURIComponent(k)), awsEncode(decodeURIComponent(v))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const declared = req.headers['x-amz-content-sha256'];
  let payloadHash: string;
  if (service === 's3') {
    if (typeof declared !== 'string') return 'S3 request without x-amz-content-sha256';
    payloadHash = declared;
    if (/^[0-9a-f]{64}$/.test(declared) && declared !== sha256Hex(body)) return 'x-amz-content-sha256 does not match the body';
  } else {
    payloadHash = sha256Hex(body);
    if (typeof declared === 'string' && declared !== payloadHash) return 'x-amz-content-sha256 does not match the body';
  }
  const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/${service}/aws4_request`, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${creds.secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expected === signature ? undefined : 'signature does not match';
}

/** Decodes an aws-chunked body (`<hex>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailers>\r\n`). */
export function decodeAwsChunked(raw: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol < 0) throw new Error('aws-chunked: chunk header not terminated');
    const size = parseInt(raw.subarray(pos, eol).toString('ascii').split(';')[0], 16);
    if (!Number.isFinite(size)) throw new Error('aws-chunked: bad chunk size');
    pos = eol + 2;
    if (size === 0) break;
    chunks.push(raw.subarray(pos, pos + size));
    pos += size;
    if (raw.subarray(pos, pos + 2).toString() !== '\r\n') throw new Error('aws-chunked: chunk data not followed by CRLF');
    pos += 2;
  }
  for (const line of raw.subarray(pos).toString('utf8').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) trailers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { data: Buffer.concat(chunks), trailers };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function crc32Base64(b: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out.toString('base64');
}

/** Transcribe's output items: words with times and confidences, punctuation split off. */
function transcriptItems(text: string, durationSec: number) {
  const tokens = text.split(/\s+/).filter(Boolean);
  const step = durationSec / Math.max(1, tokens.length);
  const items: Record<string, unknown>[] = [];
  tokens.forEach((tok, i) => {
    const m = /^(.*?)([.,?!]*)$/.exec(tok)!;
    if (m[1]) {
      items.push({
        type: 'pronunciation',
        alternatives: [{ confidence: (0.9 + ((i * 7) % 10) / 100).toFixed(4), content: m[1] }],
        start_time: (i * step).toFixed(3),
        end_time: ((i + 1) * step).toFixed(3),
      });
    }
    if (m[2]) items.push({ type: 'punctuation', alternatives: [{ confidence: '0.0', content: m[2] }] });
  });
  return items;
}

export async function startAwsServer(creds: AwsTestCredentials, region = 'eu-west-2'): Promise<AwsFakeServer> {
  const texts = new Map<string, string>();
  let resolver: ((wav: Buffer) => string | undefined) | undefined;
  const faults = new Map<AwsOperation, AwsFault[]>();
  const requests: AwsRequestRecord[] = [];
  const objects = new Map<string, Buffer>();
  const jobs = new Map<string, Job>();
  const startedJobs: { name: string; input: Record<string, unknown> }[] = [];
  const deletedJobs: string[] = [];
  const deletedObjects: string[] = [];
  let pollsUntilDone = 1;
  let url = '';

  const takeFault = (op: AwsOperation) => faults.get(op)?.shift();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const method = req.method ?? '';
    const path = req.url ?? '/';
    const target = req.headers['x-amz-target'];
    const op: AwsRequestRecord['op'] =
      method === 'GET' && path.startsWith('/transcripts/') ? 'GetTranscript'
      : method === 'POST' && typeof target === 'string' && target.startsWith('Transcribe.') ? (target.slice('Transcribe.'.length) as AwsOperation)
      : method === 'PUT' ? 'PutObject'
      : method === 'DELETE' ? 'DeleteObject'
      : 'unknown';
    const awsChunked = /aws-chunked/.test(String(req.headers['content-encoding'] ?? '')) || String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
    const rec: AwsRequestRecord = { op, method, path, headers: { ...req.headers }, signature: 'unsigned', bodyBytes: raw.length, awsChunked, status: 0 };
    requests.push(rec);

    const jsonReply = (status: number, body: unknown) => {
      rec.status = status;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `rid-${requests.length}` });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const jsonError = (status: number, type: string, message: string, headers: Record<string, string> = {}) => {
      rec.status = status;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `rid-${requests.length}`, 'x-amzn-errortype': type, ...headers });
      res.end(JSON.stringify({ __type: type, message }));
    };
    const s3Error = (status: number, code: string, message: string) => {
      rec.status = status;
      res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': `rid-${requests.length}` });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>rid-${requests.length}</RequestId></Error>`);
    };

    if (op === 'GetTranscript') {
      const fault = takeFault(op);
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'status') return s3Error(fault.status, 'InternalError', 'injected');
      const name = decodeURIComponent(path.slice('/transcripts/'.length).split('?')[0].replace(/\.json$/, ''));
      const job = jobs.get(name);
      if (!job) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      if (fault?.kind === 'malformed') return res.end('{"results": {"transcripts": [');
      const audio = objects.get(job.mediaUri.replace(/^s3:\/\//, ''));
      const text = texts.get(job.audioSha256) ?? (audio && resolver?.(audio)) ?? '';
      const duration = audio ? (audio.length - 44) / 32000 : 1;
      return res.end(JSON.stringify({ jobName: name, accountId: '123456789012', status: 'COMPLETED', results: { transcripts: [{ transcript: text }], items: transcriptItems(text, duration) } }));
    }

    // Everything else must carry a valid SigV4 signature.
    const service = op === 'PutObject' || op === 'DeleteObject' ? 's3' : 'transcribe';
    let problem: string | undefined;
    try {
      problem = verifySigV4({ method, url: path, headers: req.headers }, raw, creds, { region, service });
    } catch (e) {
      problem = (e as Error).message;
    }
    rec.signature = problem ? 'invalid' : 'valid';
    rec.signatureProblem = problem;

    if (service === 's3') {
      if (problem) return s3Error(403, problem.startsWith('unknown access key') ? 'InvalidAccessKeyId' : 'SignatureDoesNotMatch', problem);
      const fault = takeFault(op as AwsOperation);
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'status') return s3Error(fault.status, 'InternalError', 'We encountered an internal error. Please try again.');
      if (fault?.kind === 'throttle') return s3Error(503, 'SlowDown', 'Please reduce your request rate.');
      const objectPath = decodeURIComponent(path.split('?')[0].slice(1)); // bucket/key (path-style)
      if (!objectPath.includes('/')) return s3Error(400, 'InvalidRequest', 'expected path-style /bucket/key');
      if (op === 'DeleteObject') {
        objects.delete(objectPath);
        deletedObjects.push(objectPath);
        rec.status = 204;
        res.writeHead(204);
        return res.end();
      }
      let data = raw;
      let trailers: Record<string, string> = {};
      if (awsChunked) {
        try {
          ({ data, trailers } = decodeAwsChunked(raw));
        } catch (e) {
          return s3Error(400, 'IncompleteBody', (e as Error).message);
        }
        const declared = Number(req.headers['x-amz-decoded-content-length']);
        if (declared !== data.length) return s3Error(400, 'IncompleteBody', `decoded length ${data.length} != x-amz-decoded-content-length ${declared}`);
      }
      rec.bodyBytes = data.length;
      const crc = trailers['x-amz-checksum-crc32'] ?? req.headers['x-amz-checksum-crc32'];
      if (typeof crc === 'string' && crc !== crc32Base64(data)) return s3Error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
      objects.set(objectPath, data);
      rec.status = 200;
      res.writeHead(200, { etag: `"${createHash('md5').update(data).digest('hex')}"` });
      return res.end();
    }

    if (method !== 'POST' || path !== '/' || !String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
      return jsonError(400, 'SerializationException', 'expected POST / with application/x-amz-json-1.1');
    }
    if (problem) {
      if (problem.startsWith('unknown access key')) return jsonError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      return jsonError(400, 'InvalidSignatureException', `The request signature we calculated does not match the signature you provided. (${problem})`);
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return jsonError(400, 'SerializationException', 'body is not JSON');
    }
    const fault = op === 'unknown' ? undefined : takeFault(op);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'throttle') return jsonError(400, 'ThrottlingException', 'Rate exceeded', fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    if (fault?.kind === 'limit') return jsonError(400, 'LimitExceededException', 'You have exceeded the maximum number of concurrent transcription jobs.');
    if (fault?.kind === 'status') return jsonError(fault.status, 'InternalFailureException', 'We encountered an internal error. Please try again.');
    if (fault?.kind === 'malformed') {
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      return res.end('{"TranscriptionJob": {"TranscriptionJobName": ');
    }
    const name = input.TranscriptionJobName;
    if (typeof name !== 'string' || !/^[0-9a-zA-Z._-]{1,200}$/.test(name)) return jsonError(400, 'BadRequestException', '1 validation error detected: TranscriptionJobName');

    if (op === 'StartTranscriptionJob') {
      if (jobs.has(name)) return jsonError(400, 'ConflictException', 'The requested job name already exists. Use a different job name.');
      const media = input.Media as { MediaFileUri?: unknown } | undefined;
      const uri = typeof media?.MediaFileUri === 'string' ? media.MediaFileUri : '';
      const obj = objects.get(uri.replace(/^s3:\/\//, ''));
      if (!obj) return jsonError(400, 'BadRequestException', `The URI that you provided doesn't point to an S3 object: ${uri}`);
      if (typeof input.LanguageCode !== 'string') return jsonError(400, 'BadRequestException', 'LanguageCode is required');
      const job: Job = {
        name,
        languageCode: input.LanguageCode,
        mediaFormat: input.MediaFormat as string | undefined,
        sampleRate: input.MediaSampleRateHertz as number | undefined,
        mediaUri: uri,
        audioSha256: sha256Hex(obj),
        settings: input.Settings,
        polls: 0,
        failReason: fault?.kind === 'job-failed' ? fault.reason : undefined,
        created: Date.now() / 1000,
      };
      jobs.set(name, job);
      startedJobs.push({ name, input });
      return jsonReply(200, { TranscriptionJob: describe(job, 'IN_PROGRESS') });
    }
    const job = jobs.get(name);
    if (!job) return jsonError(400, 'BadRequestException', "The requested job couldn't be found. Check the job name and try your request again.");
    if (op === 'GetTranscriptionJob') {
      job.polls += 1;
      if (job.polls <= pollsUntilDone) return jsonReply(200, { TranscriptionJob: describe(job, 'IN_PROGRESS') });
      return jsonReply(200, { TranscriptionJob: describe(job, job.failReason ? 'FAILED' : 'COMPLETED') });
    }
    if (op === 'DeleteTranscriptionJob') {
      jobs.delete(name);
      deletedJobs.push(name);
      return jsonReply(200, undefined);
    }
    return jsonError(400, 'UnknownOperationException', `unknown operation ${String(target)}`);
  };

  const describe = (job: Job, status: string) => ({
    TranscriptionJobName: job.name,
    TranscriptionJobStatus: status,
    LanguageCode: job.languageCode,
    MediaFormat: job.mediaFormat,
    MediaSampleRateHertz: job.sampleRate,
    Media: { MediaFileUri: job.mediaUri },
    CreationTime: job.created,
    ...(status === 'COMPLETED'
      ? {
          CompletionTime: Date.now() / 1000,
          // Shaped like a presigned S3 URL, with a signature and security token the backend must not store.
          Transcript: { TranscriptFileUri: `${url}/transcripts/${encodeURIComponent(job.name)}.json?X-Amz-Security-Token=FQoPRESIGNEDtokenVALUE&X-Amz-Signature=${'ab'.repeat(32)}` },
        }
      : {}),
    ...(status === 'FAILED' ? { FailureReason: job.failReason } : {}),
  });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      }
    });
  });
  const listening = await listenLoopback(server);
  url = `http://127.0.0.1:${listening.port}`;
  return {
    url,
    region,
    requests,
    objects,
    jobs,
    startedJobs,
    deletedJobs,
    deletedObjects,
    setTranscript: (sha, text) => void texts.set(sha, text),
    setResolver: (fn) => void (resolver = fn),
    setPollsUntilDone: (n) => void (pollsUntilDone = n),
    pushFault: (op, ...f) => void faults.set(op, [...(faults.get(op) ?? []), ...f]),
    close: listening.close,
  };
}
