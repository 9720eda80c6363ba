/**
 * The discrete-event run's agenda: a binary min-heap of (time, insertion order) so events at the same
 * virtual time come out in the order they were scheduled, and a seeded run replays exactly.
 */

/** What happens at an event. */
export const EventKind = {
  /** Request `index` of the workload arrives at the router. */
  Arrival: 0,
  /** Replica `index`'s engine step ends (or an idle engine is woken). */
  StepEnd: 1,
  /** Replica `index` reads its metrics for a push. */
  PushObserve: 2,
  /** Replica `index`'s snapshot reaches the store. */
  PushDeliver: 3,
  /** Router `index` builds its in-flight report for its peers (peer sharing). */
  PeerObserve: 4,
  /** Peer report slot `index` (from * routers + to) reaches router `to`. */
  PeerDeliver: 5,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** A min-heap of events kept in parallel typed arrays (no object per event). */
export class EventQueue {
  #time = new Float64Array(1024);
  #order = new Float64Array(1024);
  #kind = new Uint8Array(1024);
  #index = new Int32Array(1024);
  #size = 0;
  #seq = 0;
  /** Filled by `pop`. */
  time = 0;
  kind: EventKind = EventKind.Arrival;
  index = 0;

  get size(): number {
    return this.#size;
  }

  push(time: number, kind: EventKind, index: number): void {
    if (this.#size === this.#time.length) this.#grow();
    let i = this.#size++;
    const order = this.#seq++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(time, order, parent)) break;
      this.#move(parent, i);
      i = parent;
    }
    this.#time[i] = time;
    this.#order[i] = order;
    this.#kind[i] = kind;
    this.#index[i] = index;
  }

  /** Removes the earliest event into `time` / `kind` / `index`; false when empty. */
  pop(): boolean {
    if (this.#size === 0) return false;
    this.time = this.#time[0]!;
    this.kind = this.#kind[0]! as EventKind;
    this.index = this.#index[0]!;
    const last = --this.#size;
    if (last === 0) return true;
    const t = this.#time[last]!;
    const o = this.#order[last]!;
    const k = this.#kind[last]!;
    const x = this.#index[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.#lessAt(child + 1, child)) child++;
      if (!this.#lessAt(child, -1, t, o)) break;
      this.#move(child, i);
      i = child;
    }
    this.#time[i] = t;
    this.#order[i] = o;
    this.#kind[i] = k;
    this.#index[i] = x;
    return true;
  }

  #less(time: number, order: number, at: number): boolean {
    const t = this.#time[at]!;
    return time < t || (time === t && order < this.#order[at]!);
  }

  /** Whether slot a is earlier than slot b (or than (t, o) when b is -1). */
  #lessAt(a: number, b: number, t = 0, o = 0): boolean {
    const bt = b >= 0 ? this.#time[b]! : t;
    const bo = b >= 0 ? this.#order[b]! : o;
    const at = this.#time[a]!;
    return at < bt || (at === bt && this.#order[a]! < bo);
  }

  #move(from: number, to: number): void {
    this.#time[to] = this.#time[from]!;
    this.#order[to] = this.#order[from]!;
    this.#kind[to] = this.#kind[from]!;
    this.#index[to] = this.#index[from]!;
  }

  #grow(): void {
    const n = this.#time.length * 2;
    const time = new Float64Array(n);
    const order = new Float64Array(n);
    const kind = new Uint8Array(n);
    const index = new Int32Array(n);
    time.set(this.#time);
    order.set(this.#order);
    kind.set(this.#kind);
    index.set(this.#index);
    this.#time = time;
    this.#order = order;
    this.#kind = kind;
    this.#index = index;
  }
}
