/**
 * One client stream held open for many pushes (StreamSnapshots): writes go into a queue the
 * transport pulls from, so a producer pays the connection and call set-up once instead of per push.
 * The Connect client stays outside: the caller passes the call as a function of the request stream.
 */

/** A held client stream of pushes. */
export interface PushStream<M> {
  /**
   * Queues one message. Resolves when the transport has taken it off the queue; rejects when the
   * call has failed or ended (a reset, a refusal by the receiver, the receiver going away).
   */
  write(message: M): Promise<void>;
  /** Ends the request stream and waits for the receiver's answer; rejects when the call failed. */
  end(): Promise<void>;
  /** Cancels the call; queued writes reject. */
  abort(): void;
  /** True once the call has failed or ended: the next write needs a new stream. */
  readonly broken: boolean;
  /** Why the stream broke (the receiver's refusal, a reset), once `broken`. */
  readonly failure?: unknown;
}

/** Starts a client-streaming call; resolves with its response when the request stream ends. */
export type ClientStreamCall<M> = (requests: AsyncIterable<M>, signal: AbortSignal) => Promise<unknown>;

/**
 * Opens the call at once and returns the stream to write into.
 *
 * @example
 * const stream = openHeldStream<PushSnapshotRequest>((requests, signal) =>
 *   client.streamSnapshots(requests, { signal, headers }),
 * );
 * await stream.write(request);
 */
export function openHeldStream<M>(call: ClientStreamCall<M>): PushStream<M> {
  type Pending = { message: M; resolve: () => void; reject: (err: unknown) => void };
  const controller = new AbortController();
  const queue: Pending[] = [];
  let ended = false;
  let broken = false;
  let failure: unknown;
  let wake: (() => void) | undefined;

  const fail = (err: unknown) => {
    if (broken) return;
    broken = true;
    failure = err;
    ended = true;
    for (const p of queue.splice(0)) p.reject(err);
    wake?.();
  };

  async function* requests(): AsyncGenerator<M> {
    for (;;) {
      const next = queue.shift();
      if (next) {
        next.resolve();
        yield next.message;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  }

  // The answer of a client stream only comes once the stream ends: before that, an answer (or an
  // error) means the call is over and the next write must go on a new stream.
  const answer = call(requests(), controller.signal);
  const settled = answer.then(
    () => fail(new Error("the push stream ended")),
    (err: unknown) => fail(err),
  );

  return {
    write(message) {
      if (broken) return Promise.reject(failure);
      if (ended) return Promise.reject(new Error("the push stream was ended"));
      return new Promise<void>((resolve, reject) => {
        queue.push({ message, resolve, reject });
        wake?.();
      });
    },
    async end() {
      ended = true;
      wake?.();
      await answer;
      await settled;
    },
    abort() {
      controller.abort();
      fail(new Error("the push stream was aborted"));
    },
    get broken() {
      return broken;
    },
    get failure() {
      return failure;
    },
  };
}
