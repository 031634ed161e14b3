import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Each command lives in its own file and registers itself; loaded on demand so that a command
 * starts without importing the others' dependencies (the AWS SDK, BullMQ, …).
 */
export const commands: Readonly<Record<string, () => Promise<Register>>> = {
  demo: async () => (await import('./demo.ts')).registerDemo,
  synth: async () => (await import('./synth.ts')).registerSynth,
  validate: async () => (await import('./validate.ts')).registerValidate,
  import: async () => (await import('./import.ts')).registerImport,
  run: async () => (await import('./run.ts')).registerRun,
  backends: async () => (await import('./backends.ts')).registerBackends,
  doctor: async () => (await import('./doctor.ts')).registerDoctor,
  score: async () => (await import('./score.ts')).registerScore,
  report: async () => (await import('./report.ts')).registerReport,
  compare: async () => (await import('./compare.ts')).registerCompare,
  check: async () => (await import('./check.ts')).registerCheck,
  glass: async () => (await import('./glass.ts')).registerGlass,
  export: async () => (await import('./export.ts')).registerExport,
  normalise: async () => (await import('./normalise.ts')).registerNormalise,
  g2p: async () => (await import('./g2p.ts')).registerG2P,
  merge: async () => (await import('./merge.ts')).registerMerge,
  worker: async () => (await import('./worker.ts')).registerWorker,
  adapt: async () => (await import('./adapt.ts')).registerAdapt,
};

/** The registrars for `argv`: only the named command's, none for `--version`, else all of them (help, unknown names). */
export async function registrarsFor(argv: readonly string[]): Promise<Register[]> {
  const name = argv[2];
  if (name === '--version' || name === '-V') return [];
  const one = name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
  return Promise.all(one ? [one()] : Object.values(commands).map((load) => load()));
}
