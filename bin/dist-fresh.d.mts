/** True when `<root>/dist/.build-stamp` exists and is newer than every file under `<root>/src`. */
export function builtIsFresh(root: string): boolean;
