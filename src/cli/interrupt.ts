/**
 * Interrupting the CLI stops every process it started. asrfair spawns decoders, aligners, trainers and
 * synthesisers (pocketsphinx_batch through `sh -c … | cat`, sphinxtrain tools, festival, flite, sox,
 * ffmpeg through fluent-ffmpeg, command backends in their own process group). Killing the CLI alone
 * (`kill PID`, a supervisor's SIGTERM, or SIGINT sent to the CLI only) leaves them running until their
 * batch ends, and a terminal's Ctrl-C misses those in their own process group. So the CLI finds its
 * descendants in /proc (by parent pid, whatever spawned them and whatever their process group) and
 * stops them itself: SIGTERM, then SIGKILL after a grace period.
 *
 * Linux only (/proc, proc(5)); elsewhere `descendants` returns nothing and the old behaviour remains.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { removeCreatedEmptyDirs } from '../manifest/output.ts';
import { escapeControl } from '../manifest/escape.ts';

/** A live descendant process: pid, parent pid and program name (argv[0]'s base name, else `comm`, at most 15 bytes). */
export interface ProcEntry {
  pid: number;
  ppid: number;
  comm: string;
}

/**
 * Every live process below `root` (children, their children, …) from /proc/<pid>/stat (proc(5):
 * field 2 `comm` in parentheses, field 3 state, field 4 ppid). Zombies (state Z) are left out: they
 * have exited and only wait to be reaped.
 */
export function descendants(root: number = process.pid): ProcEntry[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const byParent = new Map<number, ProcEntry[]>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(')');
    const [state, ppidText] = stat.slice(close + 2).split(' ');
    if (state === 'Z' || state === 'X') continue;
    const e: ProcEntry = { pid: Number(name), ppid: Number(ppidText), comm: stat.slice(stat.indexOf('(') + 1, close) };
    const list = byParent.get(e.ppid);
    if (list) list.push(e);
    else byParent.set(e.ppid, [e]);
  }
  const out: ProcEntry[] = [];
  const todo = [root];
  while (todo.length) {
    for (const c of byParent.get(todo.pop()!) ?? []) {
      out.push({ ...c, comm: programName(c) });
      todo.push(c.pid);
    }
  }
  return out;
}

/** The program's full name: argv[0]'s base name from /proc/<pid>/cmdline when `comm` (cut to 15 bytes) is a prefix of it. */
function programName(e: ProcEntry): string {
  try {
    const argv0 = readFileSync(`/proc/${e.pid}/cmdline`, 'utf8').split('\0')[0];
    const base = argv0.slice(argv0.lastIndexOf('/') + 1);
    return base.startsWith(e.comm) ? base : e.comm;
  } catch {
    return e.comm;
  }
}

function signal(pids: Iterable<number>, sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Sleeps `ms` milliseconds without running the event loop. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Stops every descendant of this process: SIGTERM, then (after `graceMs` ms) SIGKILL to what is left;
 * returns when none is left alive, or after `graceMs` + 500 ms whatever happens. It blocks the event
 * loop meanwhile, on purpose: no callback can start a new process (a stage's next chunk, a retry)
 * while the others are being stopped. Returns the command names (`comm`) of the processes signalled,
 * e.g. `["sh", "pocketsphinx_ba", "cat"]`.
 */
export function stopDescendants(graceMs = 1500): string[] {
  const seen = new Map<number, string>();
  const t0 = Date.now();
  for (;;) {
    const live = descendants();
    // A process whose parent died is re-parented (to init) and no longer below us: follow it by pid and name.
    const below = new Set(live.map((p) => p.pid));
    const orphans = [...seen].filter(([pid, comm]) => !below.has(pid) && aliveAs(pid, comm)).map(([pid]) => pid);
    if (!live.length && !orphans.length) break;
    const fresh = live.filter((p) => !seen.has(p.pid));
    for (const p of fresh) seen.set(p.pid, p.comm);
    const elapsed = Date.now() - t0;
    if (elapsed >= graceMs) signal([...live.map((p) => p.pid), ...orphans], 'SIGKILL');
    else signal(fresh.map((p) => p.pid), 'SIGTERM');
    if (elapsed > graceMs + 500) break;
    sleepSync(20);
  }
  return [...seen.values()];
}

/** Is `pid` alive (not a zombie) and still the process named `comm`? */
function aliveAs(pid: number, comm: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    return stat.slice(stat.indexOf('(') + 1, close) === comm && !/^[ZX]/.test(stat.slice(close + 2));
  } catch {
    return false;
  }
}

/** `pocketsphinx_ba ×3, cat ×6`: what a list of command names holds, most frequent first. */
export function summariseNames(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([n, c]) => (c > 1 ? `${n} ×${c}` : n))
    .join(', ');
}

let owners = 0;

/**
 * For a command that handles SIGINT/SIGTERM itself (`run` drains calls in flight, `worker` finishes its
 * job): while held, the CLI's default handler stands aside. Returns the release function.
 */
export function ownInterrupts(): () => void {
  owners++;
  let released = false;
  return () => {
    if (!released) owners--;
    released = true;
  };
}

/** Exit status of a process ended by a signal, as shells report it (128 + signal number). */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * The CLI's default SIGINT/SIGTERM handler (installed by `main` for the whole process): stops every
 * descendant process, writes one line to stderr and exits 130 (SIGINT) or 143 (SIGTERM). Work already
 * finished stays where each command keeps it (files are written under temporary names and renamed, the
 * run store commits per utterance). Commands holding `ownInterrupts()` handle the signals themselves.
 * On `process.exit` from anywhere, remaining descendants are stopped the same way, and on an exit status other
 * than 0 the output folders the command created and left empty are removed (never one that existed or has files). Returns the
 * function that removes these handlers.
 */
export function installInterruptHandler(write: (line: string) => void = (l) => process.stderr.write(l)): () => void {
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => {
    if (owners > 0) return;
    const names = stopDescendants();
    write(`asrfair: interrupted by ${sig}${names.length ? `; stopped ${names.length} child process${names.length > 1 ? 'es' : ''} (${escapeControl(summariseNames(names))})` : ''}\n`);
    process.exit(SIGNAL_EXIT[sig]);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  // A command that calls process.exit itself (demo after an interrupted run, worker) takes its children along too.
  // A command that was interrupted or failed (exit ≠ 0: 130, 143, 2, …) leaves no empty output folder it created.
  const onExit = (code: number) => {
    stopDescendants();
    if (code !== 0) removeCreatedEmptyDirs();
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('exit', onExit);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('exit', onExit);
  };
}
