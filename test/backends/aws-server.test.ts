// The loopback AWS server is itself a protocol implementation: check it against what the real SDK sends.
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { startAwsServer, decodeAwsChunked, type AwsFakeServer } from '../helpers/aws-server.ts';
import { LIBRIVOX_DIR } from './fixtures.ts';

const CREDS = { accessKeyId: 'AKIASERVERTEST000001', secretAccessKey: 'server-test-secret-value-0001' };
let server: AwsFakeServer;
beforeAll(async () => {
  server = await startAwsServer(CREDS);
});
afterAll(async () => server.close());

function client(secret = CREDS.secretAccessKey): S3Client {
  return new S3Client({ region: server.region, endpoint: server.url, forcePathStyle: true, maxAttempts: 1, credentials: { ...CREDS, secretAccessKey: secret } });
}

describe('loopback AWS server', () => {
  it('accepts an aws-chunked streaming upload with a trailing CRC32 and stores the decoded bytes', async () => {
    const bytes = readFileSync(`${LIBRIVOX_DIR}/sense_and_sensibility_01_austen_64kb-0930.wav`);
    const s3 = client();
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k/stream.wav', Body: Readable.from([bytes.subarray(0, 40_000), bytes.subarray(40_000)]), ContentLength: bytes.length }));
    s3.destroy();
    const rec = server.requests.at(-1)!;
    expect(rec.awsChunked).toBe(true);
    expect(rec.signature).toBe('valid');
    expect(rec.status).toBe(200);
    expect(createHash('sha256').update(server.objects.get('b/k/stream.wav')!).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('rejects a request signed with another secret', async () => {
    const s3 = client('not-the-secret');
    await expect(s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'x.wav', Body: Buffer.from('RIFF') }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    s3.destroy();
    expect(server.requests.at(-1)!.signature).toBe('invalid');
    expect(server.objects.has('b/x.wav')).toBe(false);
  });

  it('decodes aws-chunked framing with chunk signatures and trailers, and rejects broken framing', () => {
    const raw = Buffer.from('5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=000\r\nx-amz-checksum-crc32:AAAA\r\n\r\n');
    expect(decodeAwsChunked(raw)).toEqual({ data: Buffer.from('hello world'), trailers: { 'x-amz-checksum-crc32': 'AAAA' } });
    expect(() => decodeAwsChunked(Buffer.from('5\r\nhelloXX'))).toThrow(/CRLF/);
  });
});
