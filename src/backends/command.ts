import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { makeTempDir, removeTempDir } from '../manifest/tempdir.ts';
import { basename, join, resolve } from 'node:path';
import { registerBackend } from './registry.ts';
import { codeVersion as moduleCodeVersion } from './code-version.ts';
import { BackendError, type AudioRef, type Backend, type BackendInfo, type Transcript } from './types.ts';
import { OptionReader, costAtPerMinute, optionsHash } from './options.ts';
import { abortedError } from './http-errors.ts';
import { checkIso6391 } from './language.ts';
import { contentHash } from './content-hash.ts';
import { scrubString, stripSecrets } from './secrets.ts';

/** Placeholders a command template may use. Other `{…}` text is left as it is (e.g. dpkg's `${Version}`). */
export const COMMAND_PLACEHOLDERS = ['audio', 'wav16k', 'id', 'sha256', 'start', 'end', 'outbase', 'outfile', 'tmpdir'] as const;
export type CommandPlaceholder = (typeof COMMAND_PLACEHOLDERS)[number];

export interface CommandBackendOptions {
  /** argv template (already split) or, with shell, one shell command string. */
  command: string[] | string;
  shell: boolean;
  output: 'stdout' | 'file';
  /** Template of the file the recogniser writes (output: file). Default `{outbase}.txt`. */
  outputFile: string;
  /** Regular expression extracting the text: first capture group, or the whole match. */
  textRegex?: string;
  /** Dotted path into JSON output, e.g. `text` or `results.transcripts.0.transcript`. */
  jsonField?: string;
  /** Exit codes worth retrying (e.g. a GPU out-of-memory code). */
  retryOnExit: number[];
  version?: string;
  versionCommand?: string[] | string;
  /** Display/model name (default: the program's file name). */
  name: string;
  /**
   * Absolute working directory of the tool: the suite file's folder unless the suite's `cwd` (relative to the suite
   * file) says otherwise, so that every relative path of a suite (the command's, `modelFiles`) names the same file
   * whatever folder asrfair was started from. Part of the key.
   */
  cwd: string;
  priceUsdPerMinute: number;
  /** Grace period between SIGTERM and SIGKILL when a call is aborted. */
  killGraceMs: number;
  /** ISO 639-1 code of the language the tool recognises, when known (only for the language-mismatch warning). */
  language?: string;
  /** Model files or folders (absolute) the tool reads: their contents go into the key. */
  modelFiles?: string[];
}

/**
 * Splits a command line into argv the way a POSIX shell would for quoting only:
 * whitespace separates words; '…' is literal; "…" allows \" \\ \$ \`; a backslash outside quotes escapes the next character.
 * No expansion of variables, globs or substitutions happens (nothing runs through a shell).
 */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated single quote in command: ${line}`);
      cur += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= line.length) throw new Error(`unterminated double quote in command: ${line}`);
        const d = line[i];
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) {
          cur += line[i + 1];
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error(`trailing backslash in command: ${line}`);
      cur += line[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Quotes a value for /bin/sh. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const PLACEHOLDER_RE = new RegExp(`\\{(${COMMAND_PLACEHOLDERS.join('|')})\\}`, 'g');

export function fillTemplate(template: string, values: Record<CommandPlaceholder, string>, quote: (s: string) => string = (s) => s): string {
  return template.replace(PLACEHOLDER_RE, (_, name: CommandPlaceholder) => quote(values[name]));
}

/** Follows a dotted path (`a.b.0.c`) into parsed JSON. */
export function jsonPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const OPTION_NAMES = ['command', 'shell', 'output', 'outputFile', 'textRegex', 'jsonField', 'retryOnExit', 'version', 'versionCommand', 'name', 'cwd', 'priceUsdPerMinute', 'killGraceMs', 'language', 'modelFiles'] as const;

export function parseCommandOptions(options: Record<string, unknown>, baseDir: string): CommandBackendOptions {
  const r = new OptionReader('command', options);
  r.rejectUnknown(OPTION_NAMES);
  const shell = r.boolean('shell', false);
  const argvOption = (name: 'command' | 'versionCommand'): string[] | string | undefined => {
    const v = options[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) {
      if (!v.length || !v.every((x) => typeof x === 'string')) throw new Error(`command backend: option "${name}" must be a string or a non-empty list of strings`);
      if (shell && name === 'command') throw new Error('command backend: with "shell: true" give "command" as one string');
      return v as string[];
    }
    if (typeof v !== 'string' || !v.trim()) throw new Error(`command backend: option "${name}" must be a string or a non-empty list of strings`);
    if (shell) return v;
    const argv = splitCommandLine(v);
    if (!argv.length) throw new Error(`command backend: option "${name}" is empty`);
    return argv;
  };
  const command = argvOption('command');
  if (command === undefined) throw new Error('command backend: option "command" is required, e.g. "whisper-cli -f {wav16k} -otxt -of {outbase}"');
  const output = r.oneOf('output', ['stdout', 'file'] as const, options.outputFile !== undefined ? 'file' : 'stdout');
  const textRegex = r.string('textRegex');
  if (textRegex !== undefined) {
    try {
      new RegExp(textRegex);
    } catch (e) {
      throw new Error(`command backend: option "textRegex" is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  const program = Array.isArray(command) ? command[0] : splitCommandLine(command)[0] ?? 'sh';
  // One rule for every relative path of a suite: relative to the suite file's folder (never the shell's current one).
  const cwd = resolve(baseDir, r.string('cwd') ?? '.');
  return {
    command,
    shell,
    output,
    outputFile: r.string('outputFile', '{outbase}.txt'),
    textRegex,
    jsonField: r.string('jsonField'),
    retryOnExit: r.numberList('retryOnExit'),
    version: r.string('version'),
    versionCommand: argvOption('versionCommand'),
    name: r.string('name', basename(program)),
    cwd,
    priceUsdPerMinute: r.number('priceUsdPerMinute', 0),
    killGraceMs: r.number('killGraceMs', 2000),
    ...(options.language !== undefined ? { language: checkIso6391('command', 'language', r.string('language')!) } : {}),
    ...(options.modelFiles !== undefined ? { modelFiles: modelFileList(options.modelFiles, cwd) } : {}),
  };
}

function modelFileList(v: unknown, dir: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (!list.length || !list.every((x) => typeof x === 'string' && x !== '')) throw new Error('command backend: option "modelFiles" must be a path or a list of paths');
  return (list as string[]).map((p) => {
    const abs = resolve(dir, p);
    if (!existsSync(abs)) throw new Error(`command backend: model file not found: ${abs} (option "modelFiles")`);
    return abs;
  });
}

/**
 * Content hashes of the `modelFiles` for the key: a model retrained or edited in place then gets a new key instead of
 * the old model's cached results. Files the command names are not hashed by themselves: a command may name files it
 * writes (a log), whose contents change every call.
 */
function commandFileHashes(o: CommandBackendOptions): Record<string, string> | undefined {
  if (!o.modelFiles?.length) return undefined;
  return Object.fromEntries(o.modelFiles.map((f) => [f, contentHash(f)]));
}

interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const MAX_STDOUT = 32 * 1024 * 1024;
const STDERR_TAIL = 4096;

/** Runs a process in its own process group; aborting the signal kills the whole group (SIGTERM, then SIGKILL). */
export function runProcess(
  argv: string[],
  opts: { shell: boolean; cwd?: string; signal: AbortSignal; killGraceMs: number },
): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    if (opts.signal.aborted) return reject(opts.signal.reason ?? new Error('aborted'));
    const [file, ...args] = opts.shell ? ['/bin/sh', '-c', argv.join(' ')] : argv;
    const child = spawn(file, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes <= MAX_STDOUT) out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString('utf8')).slice(-STDERR_TAIL);
    });
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs);
      killTimer.unref();
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      opts.signal.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code, signal) => {
      opts.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // Children the recogniser left behind in its group go too.
      if (opts.signal.aborted) killGroup('SIGKILL');
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err });
    });
  });
}

export class CommandBackend implements Backend {
  readonly key: string;
  /** This module's code version (Backend.codeVersion). */
  readonly codeVersion = moduleCodeVersion(['backends/command.ts']);
  /** A template that passes `{id}` may answer by id (a lookup, a per-utterance model): rows are keyed by id too. */
  readonly keyByUtteranceId: boolean;
  /** The template passes `{audio}` (the original file) rather than only the prepared `{wav16k}`. */
  private readonly usesOriginal: boolean;

  constructor(
    readonly options: CommandBackendOptions,
    readonly version: string,
  ) {
    const o = options;
    // cwd changes what relative paths in the command (a model file) name, so it changes results.
    this.key = `command:${o.name}:${optionsHash({ command: o.command, shell: o.shell, output: o.output, outputFile: o.output === 'file' ? o.outputFile : undefined, textRegex: o.textRegex, jsonField: o.jsonField, version, cwd: o.cwd, files: commandFileHashes(o) })}`;
    const templates = [...(Array.isArray(o.command) ? o.command : [o.command]), ...(o.output === 'file' ? [o.outputFile] : [])];
    this.keyByUtteranceId = templates.some((t) => t.includes('{id}'));
    this.usesOriginal = templates.some((t) => t.includes('{audio}'));
  }

  static async create(options: CommandBackendOptions): Promise<CommandBackend> {
    let version = options.version;
    if (version === undefined && options.versionCommand !== undefined) {
      const argv = Array.isArray(options.versionCommand) ? options.versionCommand : [options.versionCommand];
      let res: ProcessResult;
      try {
        res = await runProcess(argv, { shell: !Array.isArray(options.versionCommand), cwd: options.cwd, signal: AbortSignal.timeout(30_000), killGraceMs: 1000 });
      } catch (e) {
        throw new Error(`command backend: versionCommand failed to start: ${(e as Error).message}`);
      }
      if (res.code !== 0) throw new Error(`command backend: versionCommand exited with ${res.code ?? res.signal}: ${scrubString(res.stderr.trim()).slice(-300)}`);
      version = (res.stdout.trim() || res.stderr.trim()).split('\n')[0].trim();
    }
    return new CommandBackend(options, version ?? 'unknown');
  }

  estimateCostUsd(durationSec: number): number {
    return costAtPerMinute(durationSec, this.options.priceUsdPerMinute);
  }

  async info(): Promise<BackendInfo> {
    return {
      name: `command:${this.options.name}`,
      version: this.version,
      model: this.options.name,
      capabilities: { wordTimes: false, confidences: false, phones: false, glassBox: false, remote: false },
      ...(this.options.language ? { language: this.options.language } : {}),
    };
  }

  async transcribe(audio: AudioRef, signal: AbortSignal): Promise<Transcript> {
    const o = this.options;
    if (this.usesOriginal && audio.altered) {
      // The original is not what should be heard (a condition, or a channel fallback): never hand it over silently.
      throw new BackendError(`command ${o.name}: the template passes {audio}, the original file, but this utterance's audio was altered by its condition or an audio fix (${(audio.flags ?? []).join(', ') || 'condition'}); use {wav16k}`, false);
    }
    const dir = makeTempDir('asrfair-cmd-');
    try {
      const outbase = join(dir, audio.sha256.slice(0, 16));
      const values: Record<CommandPlaceholder, string> = {
        audio: audio.path,
        wav16k: audio.wav16k,
        id: audio.id,
        sha256: audio.sha256,
        start: audio.start === undefined ? '' : String(audio.start),
        end: audio.end === undefined ? '' : String(audio.end),
        outbase,
        outfile: '',
        tmpdir: dir,
      };
      values.outfile = fillTemplate(o.outputFile, { ...values, outfile: `${outbase}.txt` });
      const argv = Array.isArray(o.command) ? o.command.map((t) => fillTemplate(t, values)) : [fillTemplate(o.command, values, shellQuote)];
      let res: ProcessResult;
      try {
        res = await runProcess(argv, { shell: o.shell, cwd: o.cwd, signal, killGraceMs: o.killGraceMs });
      } catch (e) {
        if (signal.aborted) throw abortedError(`command ${o.name}`, signal);
        const code = (e as { code?: string }).code;
        throw new BackendError(`command ${o.name}: could not start ${argv[0]}${code === 'ENOENT' ? ' (not found; check PATH or give a full path)' : `: ${(e as Error).message}`}`, false);
      }
      if (signal.aborted) throw abortedError(`command ${o.name}`, signal);
      if (res.code !== 0) {
        const how = res.code === null ? `was killed by ${res.signal}` : `exited with code ${res.code}`;
        const tail = scrubString(res.stderr.trim()).slice(-500);
        throw new BackendError(`command ${o.name}: ${how}${tail ? `: ${tail}` : ''}`, res.code !== null && o.retryOnExit.includes(res.code));
      }
      let output = res.stdout;
      if (o.output === 'file') {
        try {
          output = await readFile(values.outfile, 'utf8');
        } catch {
          throw new BackendError(`command ${o.name}: exited 0 but did not write the output file ${values.outfile}`, false);
        }
      }
      const text = this.extract(output);
      return { text, raw: stripSecrets({ argv, exitCode: res.code, output: output.length > 65536 ? `${output.slice(0, 65536)}…` : output }) };
    } finally {
      removeTempDir(dir);
    }
  }

  /** Pulls the hypothesis out of the tool's output: JSON field, then regex, then whitespace folding. */
  extract(output: string): string {
    const o = this.options;
    let text = output;
    if (o.jsonField !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(output);
      } catch {
        throw new BackendError(`command ${o.name}: output is not JSON (jsonField "${o.jsonField}" was asked for): ${scrubString(output.slice(0, 200))}`, false);
      }
      const v = jsonPath(parsed, o.jsonField);
      if (typeof v !== 'string') throw new BackendError(`command ${o.name}: JSON output has no string at "${o.jsonField}"`, false);
      text = v;
    }
    if (o.textRegex !== undefined) {
      const m = new RegExp(o.textRegex, 'm').exec(text);
      if (!m) throw new BackendError(`command ${o.name}: output did not match textRegex /${o.textRegex}/: ${scrubString(text.slice(0, 200))}`, false);
      text = m[1] ?? m[0];
    }
    return text.replace(/\s+/g, ' ').trim();
  }
}

registerBackend({
  type: 'command',
  description: 'Any command-line recogniser through an argv template, e.g. "whisper-cli -f {wav16k} -otxt -of {outbase}"',
  options: {
    command: `argv template (string split like a shell, without one; or a list). Placeholders: ${COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
    shell: 'run the command through /bin/sh -c (default false; placeholders are shell-quoted)',
    output: 'stdout (default) or file',
    outputFile: 'template of the output file the tool writes (default {outbase}.txt; implies output: file)',
    textRegex: 'regular expression extracting the text (first group, else whole match)',
    jsonField: 'dotted path of the text in JSON output, e.g. text or segments.0.text',
    retryOnExit: 'exit code(s) worth retrying',
    version: 'version string recorded with results (part of the key)',
    versionCommand: 'command run once to get the version (first output line)',
    name: 'model/display name (default: program file name)',
    cwd: "working directory, relative to the suite file (default: the suite file's folder, never the shell's current one; part of the key)",
    priceUsdPerMinute: 'cost per audio minute (default 0)',
    killGraceMs: 'ms between SIGTERM and SIGKILL of the process group on timeout (default 2000)',
    language: 'ISO-639-1 code of the language the tool recognises (for the warning when the manifest declares another)',
    modelFiles: 'model files/folders the tool reads (relative to cwd): their contents are part of the key, so a model changed in place is not served from cached results',
  },
  async create(options, ctx) {
    return CommandBackend.create(parseCommandOptions(options, ctx.baseDir));
  },
});
