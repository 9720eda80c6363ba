/** Push sequence numbers: strictly increasing per producer, and across its restarts. */

/**
 * The sequence for the next push after `previous` (undefined for the first push of this process).
 *
 * The router keeps the last accepted sequence per (pool, source) and refuses anything not newer as
 * a replay. A restarted producer keeps its source id (an agent's default is `agent-<address>`), so counting from 1
 * again would be refused until the router forgets the source. Starting from the wall clock in
 * milliseconds x 1000 makes a restarted producer's first sequence larger than everything it sent
 * before (unless the clock stepped back across the restart), and taking previous + 1 when the clock
 * has not moved on (or went backwards) keeps it strictly increasing within one run. x1000 leaves
 * room for 1000 pushes per millisecond before the clock term falls behind; uint64 leaves room for
 * far longer than the epoch in microseconds-like units needs.
 *
 * @example
 * const s1 = nextSequence(undefined, Date.now()); // e.g. 1764144000000000n
 * const s2 = nextSequence(s1, Date.now()); // > s1 even if the clock did not move
 */
export function nextSequence(previous: bigint | undefined, nowMs: number): bigint {
  const fromClock = BigInt(Math.max(1, Math.floor(nowMs))) * 1000n;
  return previous === undefined || fromClock > previous ? fromClock : previous + 1n;
}
