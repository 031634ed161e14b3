/**
 * `by-group`: one recogniser per self-declared group, chosen by the utterance's label (e.g. a
 * per-group adapted PocketSphinx model from `asrfair adapt`). The run engine passes the utterance's
 * labels with its audio (`AudioRef.labels`); an utterance whose group has no backend goes to
 * `otherwise`, or fails with one line naming the utterance, the label and the groups known.
 *
 * Fairness caveat (stated on the card's remedy section): such a backend needs the speaker's group at
 * decoding time, i.e. a self-declared label the deployed system must ask for.
 *
 * Results are keyed by audio and utterance id (`keyByUtteranceId`), so the same audio declared in two
 * groups is never served the other group's answer from the store.
 */
import { createHash } from 'node:crypto';
import type { AudioRef } from '../audio/types.ts';
import { getBackendFactory, registerBackend } from './registry.ts';
import { codeVersion as moduleCodeVersion } from './code-version.ts';
import { BackendError, type Backend, type BackendInfo, type Transcript } from './types.ts';

/** A backend spec as in a suite file. */
export interface InnerSpec {
  type: string;
  options?: Record<string, unknown>;
}

export class ByGroupBackend implements Backend {
  readonly key: string;
  readonly keyByUtteranceId = true;
  /** True when every inner backend only reads stored answers (Backend.readsStoredAnswers): then no lease. */
  readonly readsStoredAnswers: boolean;
  /** This module's code version and its inner backends' (those that have one), when any has one (Backend.codeVersion). */
  readonly codeVersion: string | undefined;
  /** The smallest `parallel` of its backends (undefined when none has one). */
  readonly parallel: number | undefined;

  /**
   * @param labelKey label whose value picks the backend (the group key, e.g. `accent`)
   * @param groups group value → backend; `otherwise` serves any other value (undeclared included)
   */
  constructor(
    readonly labelKey: string,
    readonly groups: ReadonlyMap<string, Backend>,
    readonly otherwise?: Backend,
  ) {
    const parts = [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([g, b]) => `${g}=${b.key}`);
    if (otherwise) parts.push(`*=${otherwise.key}`);
    const hash = createHash('sha256').update(`${labelKey}\n${parts.join('\n')}`).digest('hex').slice(0, 12);
    this.key = `by-group:${labelKey}:${hash}`;
    this.readsStoredAnswers = [...groups.values(), ...(otherwise ? [otherwise] : [])].every((b) => b.readsStoredAnswers === true);
    const inner = [...new Set([...groups.values(), ...(otherwise ? [otherwise] : [])].map((b) => b.codeVersion).filter((v) => v !== undefined))];
    // Each group's backend queues its own calls: the smallest limit keeps every one of them from queueing (Backend.parallel).
    const limits = [...groups.values(), ...(otherwise ? [otherwise] : [])].map((b) => b.parallel).filter((n): n is number => n !== undefined);
    this.parallel = limits.length ? Math.min(...limits) : undefined;
    this.codeVersion = inner.length ? [moduleCodeVersion(['backends/by-group.ts']), ...inner.sort()].join('; ') : undefined;
  }

  /** The backend serving an utterance with these labels (undefined: none). */
  backendFor(labels: Readonly<Record<string, string>> | undefined): Backend | undefined {
    const g = labels?.[this.labelKey];
    return (g !== undefined ? this.groups.get(g) : undefined) ?? this.otherwise;
  }

  async info(): Promise<BackendInfo> {
    const infos = await Promise.all([...this.groups.values()].map((b) => b.info()));
    const first = infos[0];
    const models = [...this.groups.keys()].map((g, i) => `${g}: ${infos[i].model}`);
    const every = (k: keyof BackendInfo['capabilities']) => infos.every((i) => i.capabilities[k]);
    const langs = new Set(infos.map((i) => i.language));
    return {
      name: `by-group(${[...new Set(infos.map((i) => i.name))].join(',')})`,
      version: [...new Set(infos.map((i) => i.version))].join(','),
      model: `per ${this.labelKey}: ${models.join('; ')}${this.otherwise ? '; otherwise the default' : ''}`,
      capabilities: { wordTimes: every('wordTimes'), confidences: every('confidences'), phones: every('phones'), glassBox: false, remote: infos.some((i) => i.capabilities.remote) },
      ...(langs.size === 1 && first?.language ? { language: first.language } : {}),
    };
  }

  async transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript> {
    const b = this.backendFor(audio.labels);
    if (!b) {
      const g = audio.labels?.[this.labelKey];
      throw new BackendError(
        `${audio.id}: ${g === undefined ? `no "${this.labelKey}" label` : `${this.labelKey} "${g}" has no backend`} in this by-group backend (groups: ${[...this.groups.keys()].join(', ')}; add "otherwise" for the rest)`,
        false,
      );
    }
    return b.transcribe(audio, signal);
  }

  estimateCostUsd(durationSec: number): number {
    return Math.max(0, ...[...this.groups.values(), ...(this.otherwise ? [this.otherwise] : [])].map((b) => b.estimateCostUsd?.(durationSec) ?? 0));
  }

  async close(): Promise<void> {
    for (const b of new Set([...this.groups.values(), ...(this.otherwise ? [this.otherwise] : [])])) await b.close?.();
  }
}

function innerSpec(where: string, v: unknown): InnerSpec {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as InnerSpec).type !== 'string') {
    throw new Error(`by-group backend: ${where} must be {type, options} (got ${JSON.stringify(v)})`);
  }
  const s = v as InnerSpec;
  if (s.type === 'by-group') throw new Error(`by-group backend: ${where} cannot itself be by-group`);
  if (s.options !== undefined && (typeof s.options !== 'object' || s.options === null || Array.isArray(s.options))) {
    throw new Error(`by-group backend: ${where}.options must be a map`);
  }
  return s;
}

registerBackend({
  type: 'by-group',
  description: 'one backend per self-declared group (label value), e.g. per-group adapted models from asrfair adapt; needs the group at decode time',
  options: {
    key: 'label key whose value picks the backend (e.g. accent)',
    groups: 'map group value → {type, options} (any backend type but by-group)',
    otherwise: 'optional {type, options} for other values and undeclared; without it such an utterance fails, named',
  },
  async create(options, ctx) {
    const key = options.key;
    if (typeof key !== 'string' || !key) throw new Error('by-group backend: option "key" must be a label key, e.g. accent');
    const groups = options.groups;
    if (typeof groups !== 'object' || groups === null || Array.isArray(groups) || !Object.keys(groups).length) {
      throw new Error('by-group backend: option "groups" must map at least one group value to {type, options}');
    }
    const built = new Map<string, Backend>();
    for (const [g, v] of Object.entries(groups as Record<string, unknown>)) {
      const s = innerSpec(`groups.${g}`, v);
      built.set(g, await getBackendFactory(s.type).create(s.options ?? {}, ctx));
    }
    let otherwise: Backend | undefined;
    if (options.otherwise !== undefined) {
      const s = innerSpec('otherwise', options.otherwise);
      otherwise = await getBackendFactory(s.type).create(s.options ?? {}, ctx);
    }
    return new ByGroupBackend(key, built, otherwise);
  },
});
