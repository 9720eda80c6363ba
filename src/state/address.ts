/**
 * Endpoint addresses: "ip:port" for IPv4, "[ip]:port" for IPv6 (the form Envoy's ORIGINAL_DST
 * cluster reads from x-gateway-destination-endpoint). Hostnames are refused: the router sends
 * traffic to pod IPs.
 */

export interface ParsedAddress {
  /** Canonical form: "10.0.0.1:8000" or "[fd00::1]:8000" (IPv6 compressed, lower case). */
  address: string;
  /** The IP without brackets. */
  ip: string;
  port: number;
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses an address or returns why not (a sentence naming the rule). */
export function parseAddress(text: string): ParsedAddress | string {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") return "IPv6 addresses must look like [fd00::1]:8000";
    const host = text.slice(1, close);
    // Only hex digits, ':' and '.' (an embedded IPv4): the URL parser below would drop tabs and
    // newlines and read a zone id, so "[fd00::\n1]" would pass as fd00::1.
    if (!/^[0-9A-Fa-f:.]+$/.test(host)) return `${JSON.stringify(host)} is not a valid IPv6 address`;
    const port = parsePort(text.slice(close + 2));
    if (typeof port === "string") return port;
    // The WHATWG URL parser is a standard, strict IPv6 validator and canonicaliser.
    let canonical: string;
    try {
      canonical = new URL(`http://[${host}]/`).hostname;
    } catch {
      return `"${host}" is not a valid IPv6 address`;
    }
    const ip = canonical.slice(1, -1);
    return { address: `[${ip}]:${port}`, ip, port };
  }
  const colon = text.lastIndexOf(":");
  if (colon < 0) return 'an address must be "ip:port" (IPv6 as "[ip]:port")';
  const host = text.slice(0, colon);
  if (host.includes(":")) return "IPv6 addresses must be bracketed: [fd00::1]:8000";
  if (!ipv4.test(host)) return `"${host}" is not an IPv4 address (hostnames are not accepted)`;
  const port = parsePort(text.slice(colon + 1));
  if (typeof port === "string") return port;
  return { address: `${host}:${port}`, ip: host, port };
}

function parsePort(text: string): number | string {
  if (!/^\d{1,5}$/.test(text)) return `port "${text}" must be a number between 1 and 65535`;
  const port = Number(text);
  if (port < 1 || port > 65535) return `port ${port} must be between 1 and 65535`;
  return port;
}

const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * The key two addresses share when they reach the same socket: an IPv4-mapped IPv6 address
 * ("[::ffff:10.0.0.1]:8000", canonically "[::ffff:a00:1]:8000") keys as its IPv4 form ("10.0.0.1:8000").
 */
export function sameSocketKey(addr: ParsedAddress): string {
  const m = MAPPED_HEX.exec(addr.ip);
  if (!m) return addr.address;
  const hi = Number.parseInt(m[1]!, 16);
  const lo = Number.parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}:${addr.port}`;
}
