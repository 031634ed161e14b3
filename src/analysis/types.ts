import type { ErrorCounts, ScoredUtterance } from '../score/types.ts';
export type { ErrorCounts, ScoredUtterance };
