// The environment plugpay's server process starts with, for settings that must be in place
// before the process starts (glibc reads them once, at its first allocation).
//
// Every charger connection verifies an scrypt hash (16 MiB of scratch memory, allocated on
// libuv's worker threads). By default glibc gives each of those threads an arena of its own and,
// after the first such block is freed, raises its mmap threshold so the next 16 MiB blocks are
// carved from the arenas and kept there after use. A fleet reconnecting after a restart then
// leaves ~100 MiB of freed scratch memory in the resident set. Two arenas and a fixed 4 MiB mmap
// threshold hand each such block back to the system when it is freed, while smaller blocks stay
// in the arenas (a 128 KiB threshold mapped every large Buffer and row set too, and made charger
// registration four times slower). An operator's own values win.

/** The defaults; see docs/decisions/022-memory-per-charger.md. */
export const MALLOC_DEFAULTS = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '4194304' };

/** `env` with the malloc defaults added where the operator has not set them. */
export function serverEnv(env = process.env) {
  const out = { ...env };
  for (const [k, v] of Object.entries(MALLOC_DEFAULTS)) if (out[k] === undefined || out[k] === '') out[k] = v;
  return out;
}
