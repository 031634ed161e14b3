/**
 * Children that die with their worker, even after `kill -9`. A worker's recognisers run in their own process
 * groups (the command backend spawns them detached so a timeout can kill the whole group), so when the worker
 * is killed with SIGKILL nothing of ours runs and they are re-parented to init and keep decoding. Node has no
 * prctl(PR_SET_PDEATHSIG), so the worker marks its environment (`ASRFAIR_WORKER_PID=<pid>`, inherited by every
 * process it starts and by theirs) and starts a small `sh` watchdog outside that environment which, once the
 * worker's pid is gone, SIGTERMs every process carrying the mark (/proc/<pid>/environ, proc(5)), then SIGKILLs
 * what is left a second later.
 *
 * Limits: Linux only (elsewhere nothing is started); a process that clears its environment (`env -i`) or one
 * whose /proc/<pid>/environ is not readable (another user) escapes; the watchdog polls once a second, so children
 * outlive a killed worker by up to about 2 s; a `kill -9` of the watchdog itself disables it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The environment variable that marks the processes a worker started. */
export const WORKER_MARK = 'ASRFAIR_WORKER_PID';

const SCRIPT = `W="$1"
while kill -0 "$W" 2>/dev/null; do sleep 1; done
for sig in TERM KILL; do
  for e in /proc/[0-9]*/environ; do
    if grep -qzx "${WORKER_MARK}=$W" "$e" 2>/dev/null; then p=\${e#/proc/}; kill -$sig "\${p%/environ}" 2>/dev/null; fi
  done
  [ "$sig" = TERM ] && sleep 1
done
exit 0`;

/**
 * Marks this process's environment and starts the watchdog (returns its pid, or undefined where /proc is missing).
 * Call before the worker starts any child.
 */
export function startOrphanWatchdog(): number | undefined {
  if (process.platform !== 'linux' || !existsSync('/proc/self/environ')) return undefined;
  const env = { ...process.env };
  delete env[WORKER_MARK];
  const dog = spawn('sh', ['-c', SCRIPT, 'asrfair-watchdog', String(process.pid)], { detached: true, stdio: 'ignore', env });
  dog.on('error', () => undefined);
  dog.unref();
  process.env[WORKER_MARK] = String(process.pid);
  return dog.pid;
}
