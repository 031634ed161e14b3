/**
 * A real HTTP server on 127.0.0.1 speaking the OpenAI audio transcription protocol:
 * POST /v1/audio/transcriptions, multipart/form-data with a WAV `file` field, Bearer auth.
 * "Recognition" is a lookup of the uploaded WAV's sha256 in texts the test registers: the point is the wire protocol.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { listenLoopback } from './loopback.ts';
import { encodeWav16 } from '../../src/audio/wav.ts';

/** The 25 MB limit of the real API (bytes of the uploaded file). */
export const FAKE_MAX_UPLOAD_BYTES = 25_000_000;

/** Any upload ffmpeg reads (FLAC, MP3…) → the canonical 16 kHz mono 16-bit WAV it holds, as the audio stage writes. */
function decodeToWav(data: Buffer): Buffer | undefined {
  try {
    const pcm = execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '16000', 'pipe:1'], { input: data, maxBuffer: 1 << 30, timeout: 60_000 });
    return encodeWav16(pcm);
  } catch {
    return undefined;
  }
}

export type OpenAIFault =
  | { kind: 'status'; status: number; retryAfter?: string; retryAfterMs?: string; message?: string }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'no-text' };

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface RecordedOpenAIRequest {
  method: string;
  path: string;
  authorization?: string;
  fields: Record<string, string[]>;
  /** sha256 is of the WAV the upload holds (decoded when FLAC), so tests can match it to the prepared audio. */
  file?: { filename?: string; contentType?: string; sha256: string; bytes: number; format: 'wav' | 'flac' | 'other' };
  status: number;
}

export interface OpenAIFakeServer {
  /** Base URL to give the SDK, ending in /v1. */
  baseURL: string;
  requests: RecordedOpenAIRequest[];
  /** Registers the transcript returned for audio with this sha256. */
  setTranscript(sha256: string, text: string): void;
  /** Fallback for audio not registered by sha256 (e.g. re-encoded by the audio stage): text from the WAV bytes. */
  setResolver(fn: (wav: Buffer, sha256: string) => string | undefined): void;
  /** Queues faults: each request consumes the first one left. */
  pushFault(...faults: OpenAIFault[]): void;
  close(): Promise<void>;
}

/** Parses a multipart/form-data body (RFC 7578) for real: boundary delimiters, part headers, binary bodies. */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) throw new Error('multipart: no boundary in content-type');
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error('multipart: first boundary not found');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break; // closing delimiter
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw new Error('multipart: boundary not followed by CRLF');
    pos += 2;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw new Error('multipart: part headers not terminated');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headEnd).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headEnd + 4);
    if (next < 0) throw new Error('multipart: part not terminated by a boundary');
    const disp = headers['content-disposition'] ?? '';
    const name = /\bname="([^"]*)"/.exec(disp)?.[1];
    if (!/^form-data/i.test(disp) || name === undefined) throw new Error(`multipart: bad Content-Disposition "${disp}"`);
    const filename = /\bfilename="([^"]*)"/.exec(disp)?.[1];
    parts.push({ name, filename, contentType: headers['content-type'], data: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
  return parts;
}

/** Duration in seconds of a PCM RIFF/WAVE buffer, or undefined if it is not one. */
export function wavDurationSec(buf: Buffer): number | undefined {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let byteRate = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') byteRate = buf.readUInt32LE(off + 16);
    if (id === 'data') return byteRate ? Math.min(size, buf.length - off - 8) / byteRate : undefined;
    off += 8 + size + (size % 2);
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${Math.random().toString(36).slice(2, 10)}`, ...headers });
  res.end(JSON.stringify(body));
}

export async function startOpenAIServer(apiKey: string, opts: { maxUploadBytes?: number } = {}): Promise<OpenAIFakeServer> {
  const maxUpload = opts.maxUploadBytes ?? FAKE_MAX_UPLOAD_BYTES;
  const texts = new Map<string, string>();
  let resolver: ((wav: Buffer, sha256: string) => string | undefined) | undefined;
  const faults: OpenAIFault[] = [];
  const requests: RecordedOpenAIRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const rec: RecordedOpenAIRequest = { method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, fields: {}, status: 0 };
    requests.push(rec);
    const body = await readBody(req);
    const reply = (status: number, payload: unknown, headers?: Record<string, string>) => {
      rec.status = status;
      sendJson(res, status, payload, headers);
    };
    const apiError = (status: number, message: string, type: string, headers?: Record<string, string>) =>
      reply(status, { error: { message, type, param: null, code: null } }, headers);

    if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return apiError(404, `Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error');
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      // Real servers show only a masked key; echo it in full here so a leak through error messages would be caught.
      const got = (req.headers.authorization ?? '').replace(/^Bearer\s+/, '');
      return apiError(401, `Incorrect API key provided: ${got}.`, 'invalid_request_error');
    }
    const fault = faults.shift();
    if (fault?.kind === 'hang') return; // never answer: the client's AbortSignal must end the call
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = fault.retryAfterMs;
      return apiError(fault.status, fault.message ?? `fault ${fault.status}`, fault.status === 429 ? 'rate_limit_exceeded' : 'server_error', headers);
    }

    let parts: MultipartPart[];
    try {
      parts = parseMultipart(body, req.headers['content-type'] ?? '');
    } catch (e) {
      return apiError(400, `Could not parse multipart form: ${(e as Error).message}`, 'invalid_request_error');
    }
    for (const p of parts) if (p.filename === undefined) (rec.fields[p.name] ??= []).push(p.data.toString('utf8'));
    const file = parts.find((p) => p.name === 'file' && p.filename !== undefined);
    if (!file) return apiError(400, "Missing required parameter: 'file'.", 'invalid_request_error');
    if (file.data.length > maxUpload) return apiError(413, `Maximum content size limit (${maxUpload}) exceeded (${file.data.length} bytes read)`, 'invalid_request_error');
    const isWav = wavDurationSec(file.data) !== undefined;
    const format = isWav ? 'wav' : file.data.subarray(0, 4).toString('latin1') === 'fLaC' ? 'flac' : 'other';
    const wav = isWav ? file.data : decodeToWav(file.data);
    const sha256 = createHash('sha256').update(wav ?? file.data).digest('hex');
    rec.file = { filename: file.filename, contentType: file.contentType, sha256, bytes: file.data.length, format };
    const language = rec.fields.language?.[0];
    if (language !== undefined && !/^[a-z]{2}$/.test(language)) {
      return apiError(400, `Invalid language '${language}'. Language parameter must be specified in ISO-639-1 format.`, 'invalid_request_error');
    }
    const duration = wav ? wavDurationSec(wav) : undefined;
    if (duration === undefined || !wav) return apiError(400, 'Invalid file format. Supported formats: flac, mp3, wav.', 'invalid_request_error');
    const model = rec.fields.model?.[0];
    if (!model) return apiError(400, "Missing required parameter: 'model'.", 'invalid_request_error');
    const text = texts.get(sha256) ?? resolver?.(wav, sha256);
    if (text === undefined) return apiError(400, `no transcript registered for audio ${sha256}`, 'invalid_request_error');

    if (fault?.kind === 'malformed') {
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"text": "truncated');
    }
    if (fault?.kind === 'no-text') return reply(200, { transcript: text });

    const responseFormat = rec.fields.response_format?.[0] ?? 'json';
    if (responseFormat === 'verbose_json') {
      if (model.startsWith('gpt-4o')) return apiError(400, `response_format 'verbose_json' is not compatible with model '${model}'.`, 'invalid_request_error');
      const granularities = rec.fields['timestamp_granularities[]'] ?? [];
      const tokens = text.split(/\s+/).filter(Boolean);
      const step = duration / Math.max(1, tokens.length);
      const words = granularities.includes('word') ? tokens.map((w, i) => ({ word: w, start: +(i * step).toFixed(3), end: +((i + 1) * step).toFixed(3) })) : undefined;
      return reply(200, { task: 'transcribe', language: rec.fields.language?.[0] ?? 'english', duration, text, words, segments: [] });
    }
    if (responseFormat === 'text') {
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(text);
    }
    return reply(200, { text, usage: { type: 'duration', seconds: Math.ceil(duration) } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(e), type: 'server_error' } });
    });
  });
  const listening = await listenLoopback(server);
  return {
    baseURL: `http://127.0.0.1:${listening.port}/v1`,
    requests,
    setTranscript: (sha, text) => void texts.set(sha, text),
    setResolver: (fn) => void (resolver = fn),
    pushFault: (...f) => void faults.push(...f),
    close: listening.close,
  };
}
