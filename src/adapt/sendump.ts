/**
 * PocketSphinx `sendump` → SphinxTrain `mixture_weights`.
 *
 * Debian's en-US model is PTM (phonetically tied mixtures) and ships its mixture weights only as
 * `sendump`: per feature stream and codeword, one byte per senone holding the quantised negative
 * log weight, `w = 1.0001^-(byte << mixw_shift)` (mixw_shift 10 unless the header says otherwise).
 * This is the reading of sphinxtrain's own `python/cmusphinx/sendump.py` (Python 2 only in
 * Debian's package, hence this port). Reconstruction is lossy: one quantisation step is a factor
 * 1.0001^1024 ≈ 1.108 (±5% per weight) and byte 255 is the floor (≈ e^-26), so the weights below
 * it are gone. That is ample for `bw`'s state posteriors (MLLR and MAP of means/variances never
 * update weights), but a MAP update of the weights themselves would start from quantised priors.
 * Files with 4-bit clustered weights (`cluster_count` > 0) are refused, as the Python reader does
 * not handle them either.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface Sendump {
  /** Senones (rows of the mixture weight matrix). */
  senones: number;
  /** Feature streams (PTM en-us: 3 with `-svspec 0-12/13-25/26-38`... stored as `feature_count`). */
  features: number;
  /** Gaussians per codebook (en-us: 128). */
  densities: number;
  /** Weights, [senone][feature][density] flattened, each row normalised to sum 1. */
  weights: Float32Array;
}

/** Error in a model file: names the file. */
export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ModelFileError';
  }
}

/** Reads a sendump file (little- or big-endian) into normalised mixture weights. Throws ModelFileError. */
export function readSendump(file: string): Sendump {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch (e) {
    throw new ModelFileError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let big = false;
  const int = (o: number) => {
    if (o + 4 > b.length) throw new ModelFileError(file, 'truncated sendump');
    return big ? b.readUInt32BE(o) : b.readUInt32LE(o);
  };
  let off = 0;
  const first = b.length >= 4 ? b.readUInt32LE(0) : 0;
  if (first > 65536) big = true;
  const header: string[] = [];
  for (;;) {
    const n = int(off);
    off += 4;
    if (n === 0) break;
    if (n > 65536 || off + n > b.length) throw new ModelFileError(file, 'not a sendump file (bad header string length)');
    header.push(b.toString('latin1', off, off + n - 1));
    off += n;
  }
  if (!header.length || !header[0].startsWith('BEGIN FILE FORMAT DESCRIPTION')) throw new ModelFileError(file, 'not a sendump file (no format description)');
  const value = (k: string, def: number) => {
    const h = header.find((s) => s.startsWith(`${k} `));
    return h ? Number(h.split(/\s+/)[1]) : def;
  };
  const clusterCount = value('cluster_count', 0);
  if (clusterCount !== 0) throw new ModelFileError(file, `clustered sendump (cluster_count ${clusterCount}) is not supported`);
  const shift = value('mixw_shift', 10);
  const features = value('feature_count', 0);
  const densities = int(off);
  const senones = int(off + 4);
  off += 8;
  if (!(features > 0 && densities > 0 && senones > 0)) throw new ModelFileError(file, 'sendump header lacks feature_count or sizes');
  if (off + features * densities * senones !== b.length) {
    throw new ModelFileError(file, `size ${b.length} does not match ${features} features × ${densities} codewords × ${senones} senones`);
  }
  // Dequantisation table: byte → 1.0001^-(byte << shift).
  const table = new Float64Array(256);
  for (let v = 0; v < 256; v++) table[v] = Math.pow(1.0001, -(v << shift));
  const weights = new Float32Array(senones * features * densities);
  for (let f = 0; f < features; f++) {
    for (let d = 0; d < densities; d++) {
      for (let s = 0; s < senones; s++) weights[(s * features + f) * densities + d] = table[b[off + s]];
      off += senones;
    }
  }
  for (let r = 0; r < senones * features; r++) {
    let sum = 0;
    for (let d = 0; d < densities; d++) sum += weights[r * densities + d];
    for (let d = 0; d < densities; d++) weights[r * densities + d] /= sum;
  }
  return { senones, features, densities, weights };
}

/**
 * Writes a Sphinx-III binary 3-d parameter file (`s3` header, `version 1.0`, byte-order magic
 * 0x11223344, dims, count, float32 data) as sphinxtrain's `s3file.py` S3File_write.write3d does.
 */
export function writeS3Mixw(file: string, m: Sendump): void {
  let head = 's3\nversion 1.0\n';
  const pad = (4 - ((head.length + 'endhdr\n'.length) & 3)) & 3;
  head += `${' '.repeat(pad)}endhdr\n`;
  const h = Buffer.from(head, 'latin1');
  const dims = Buffer.alloc(20);
  dims.writeInt32LE(0x11223344, 0);
  dims.writeUInt32LE(m.senones, 4);
  dims.writeUInt32LE(m.features, 8);
  dims.writeUInt32LE(m.densities, 12);
  dims.writeUInt32LE(m.weights.length, 16);
  writeFileSync(file, Buffer.concat([h, dims, Buffer.from(m.weights.buffer, m.weights.byteOffset, m.weights.byteLength)]));
}
