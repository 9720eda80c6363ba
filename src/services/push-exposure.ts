/**
 * Whether the push API may listen where it is asked to: without a push token, anyone who reaches the
 * port can rewrite the pool's state, so that is allowed on loopback only unless the operator says so.
 */

/** Hosts only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "[::1]" || host === "localhost";
}

export interface PushExposure {
  /** The address every listener binds. */
  host: string;
  /** Whether a push token is configured. */
  pushToken: boolean;
  /** `--allow-unauthenticated-push` / RouterConfig `spec.auth.allowUnauthenticatedPush`. */
  allowUnauthenticated: boolean;
}

/**
 * The refusal for an unauthenticated push API beyond loopback, naming the settings that allow it;
 * undefined when the listener may start.
 *
 * @example
 * pushExposureProblem({ host: "0.0.0.0", pushToken: false, allowUnauthenticated: false }) // "--host 0.0.0.0: ..."
 */
export function pushExposureProblem(o: PushExposure): string | undefined {
  if (o.pushToken || o.allowUnauthenticated || isLoopbackHost(o.host)) return undefined;
  return (
    `--host ${o.host}: pushes would need no token on a non-loopback address; set a push token` +
    " (--push-token, RouterConfig spec.auth.pushToken or pushTokenFile), listen on 127.0.0.1, or" +
    " accept it with --allow-unauthenticated-push (RouterConfig spec.auth.allowUnauthenticatedPush)"
  );
}
