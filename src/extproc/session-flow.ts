/**
 * Flow control's half of an ext_proc session: a request held in the queue (the stream stays open
 * with nothing answered; the replies come when it is dispatched or dropped) and an in-flight
 * eviction's answer, which no message asked for. ExtProcSession (session.ts) extends it.
 */

import { RouterError } from "../core/errors.js";
import type { ProcessingResponse } from "../gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import type { PendingDecision, RouteDecision } from "../routing/types.js";
import { errorReply } from "./replies.js";

const NONE: ProcessingResponse[] = [];

/** Writes replies no message asked for to `target` (the transport's stream). */
export type PushWriter<T> = (replies: ProcessingResponse[], target: T) => void;

export abstract class SessionFlow {
  /** While flow control holds the request: its pending decision, and replies owed after the pick. */
  #pending: PendingDecision | undefined;
  #after: ProcessingResponse[] | undefined;
  #deferred: Promise<ProcessingResponse[]> | undefined;
  /** Writes replies no message asked for (an eviction's answer); undefined: they go with the next reply. */
  #push: PushWriter<unknown> | undefined;
  #pushTarget: unknown;
  #unsent: ProcessingResponse[] | undefined;

  /** True once the exchange is over. */
  abstract get finished(): boolean;
  /** The replies of a decision (the pick); may throw RouterError. */
  protected abstract pickedReplies(
    d: RouteDecision,
    bodyLength: number,
    endOfStream: boolean,
  ): ProcessingResponse[];
  /** Ends the exchange with an error; its replies. */
  protected abstract failReplies(err: RouterError): ProcessingResponse[];

  /**
   * The replies of a request flow control held, once (undefined when none is held): the transport
   * writes them when the promise settles (an empty list when the stream closed meanwhile).
   */
  takeDeferred(): Promise<ProcessingResponse[]> | undefined {
    const d = this.#deferred;
    this.#deferred = undefined;
    return d;
  }

  /**
   * How the transport writes replies no message asked for: flow control's in-flight eviction
   * (ImmediateResponse 429, which Envoy turns into a reset when the response has started), as
   * `write(replies, target)`: a module-level writer and its stream, so a stream costs no closure. A
   * transport that registers none gets them as the answer to the next message.
   */
  onPush<T>(write: PushWriter<T>, target?: T): void {
    this.#push = write as PushWriter<unknown>;
    this.#pushTarget = target;
  }

  /** True while flow control holds the request: what a message answers waits for the pick. */
  protected get held(): boolean {
    return this.#after !== undefined;
  }

  /** Queues replies behind the held request's pick. */
  protected holdReplies(replies: ProcessingResponse[]): void {
    this.#after?.push(...replies);
  }

  /** The eviction answer no push channel took (once), for the next message after the exchange. */
  protected takeUnsent(): ProcessingResponse[] {
    const unsent = this.#unsent ?? NONE;
    this.#unsent = undefined;
    return unsent;
  }

  /** Takes a held request out of flow control's queue (the stream closed). */
  protected cancelPending(): void {
    this.#pending?.cancel();
  }

  /**
   * Flow control holds the request: the replies (the pick, or the refusal) come through
   * {@link takeDeferred} when it is dispatched or dropped.
   */
  protected wait(pending: PendingDecision, bodyLength: number, endOfStream: boolean): void {
    this.#pending = pending;
    this.#after = [];
    let deliver!: (replies: ProcessingResponse[]) => void;
    this.#deferred = new Promise<ProcessingResponse[]>((resolve) => {
      deliver = resolve;
    });
    const settle = (replies: ProcessingResponse[]) => {
      const after = this.#after ?? [];
      this.#pending = undefined;
      this.#after = undefined;
      if (after.length > 0 && !this.finished) replies.push(...after);
      deliver(replies);
    };
    pending.then(
      (d) => {
        if (this.finished) {
          d.lease?.release();
          return settle([]);
        }
        let replies: ProcessingResponse[];
        try {
          replies = this.pickedReplies(d, bodyLength, endOfStream);
        } catch (err) {
          replies = this.failReplies(RouterError.from(err));
        }
        settle(replies);
      },
      (err: unknown) => settle(this.finished ? [] : this.failReplies(RouterError.from(err))),
    );
  }

  /**
   * Watches a picked request's eviction signal: the replies when it was evicted already (answered,
   * never picked), else undefined and its eviction is answered through the push channel.
   */
  protected watchEviction(evicted: AbortSignal | undefined): ProcessingResponse[] | undefined {
    if (evicted === undefined) return undefined;
    if (evicted.aborted) return this.#evictedReplies(evicted.reason);
    evicted.addEventListener("abort", () => this.#evicted(evicted.reason), { once: true });
    return undefined;
  }

  #evicted(reason: unknown): void {
    if (this.finished) return;
    const replies = this.#evictedReplies(reason);
    if (this.#push !== undefined) this.#push(replies, this.#pushTarget);
    else this.#unsent = replies;
  }

  /** Upstream's answer to an evicted request: ImmediateResponse 429, body `request evicted by flow control`. */
  #evictedReplies(reason: unknown): ProcessingResponse[] {
    const err = RouterError.from(reason);
    const replies = this.failReplies(err);
    replies[0] = errorReply(err, err.message);
    return replies;
  }
}
