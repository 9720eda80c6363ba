/**
 * HTTP/2 frame types, flags and codes (RFC 9113, sections 6 and 7) and the ext_proc method path, for
 * the raw HTTP/2 clients that play Envoy byte for byte: the reset-pattern tests
 * (test/integration/extproc-raw-client.ts) and the bench's load client (test/bench/extproc-raw-load.ts).
 */
export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
export const DATA = 0;
export const HEADERS = 1;
export const RST_STREAM = 3;
export const SETTINGS = 4;
export const PING = 6;
export const GOAWAY = 7;
export const WINDOW_UPDATE = 8;
export const END_STREAM = 0x1;
export const ACK = 0x1;
export const END_HEADERS = 0x4;
export const REFUSED_STREAM = 7;
export const PROCESS = "/envoy.service.ext_proc.v3.ExternalProcessor/Process";
