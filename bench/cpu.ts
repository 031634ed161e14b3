/**
 * CPU accounting for benches on a shared machine: CPU seconds are what our work costs whatever the
 * load from other jobs (wall time is not). Linux only (`/proc/self/stat`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * CPU seconds (user + system) of this process plus its waited-for children (cutime + cstime, fields 16
 * and 17 of proc(5)): a child's time counts once it has exited and been reaped, so stop long-lived
 * decoders before reading.
 */
export function cpuSeconds(): number {
  const self = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (self.user + self.system) / 1e6 + (Number(f[13]) + Number(f[14])) / TICK;
}

/** Cores of this machine. */
export function cores(): number {
  return cpus().length;
}

/** The 1-minute load average, for saying how loaded the machine was. */
export function load1(): string {
  return loadavg()[0].toFixed(1);
}

/** A stopwatch of wall and CPU seconds. */
export function stopwatch(): () => { wall: number; cpu: number } {
  const t0 = performance.now();
  const c0 = cpuSeconds();
  return () => ({ wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - c0 });
}

const startCpu = cpuSeconds();
const startWall = performance.now();
/** Wall and CPU seconds since this module was loaded (a bench's whole run). */
export function sinceStart(): { wall: number; cpu: number } {
  return { wall: (performance.now() - startWall) / 1000, cpu: cpuSeconds() - startCpu };
}

/**
 * CPU seconds of another live process (by pid) and of its reaped children: utime + stime + cutime +
 * cstime of /proc/<pid>/stat (proc(5)). For long-lived children (workers, decoders) whose time is not
 * in this process's cutime until they exit.
 */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
}
