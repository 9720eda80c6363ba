/**
 * Just enough Markdown reading for the README tests: headings and their GitHub anchors, links, fenced
 * blocks, the blocks marked `<!-- quick-start:test -->`, and shell words of the commands in them.
 */

/** A fenced code block: its info string (`sh`, `console`, ...), its text and the line it starts on. */
export interface FencedBlock {
  lang: string;
  text: string;
  line: number;
  /** The `<!-- quick-start:test ... -->` comment right before the block (blank lines allowed), if any. */
  marker?: string;
}

/** Splits a document into fenced blocks and the prose lines outside them (code lines blanked). */
export function readMarkdown(doc: string): { prose: string[]; blocks: FencedBlock[] } {
  const lines = doc.split("\n");
  const prose: string[] = [];
  const blocks: FencedBlock[] = [];
  let open: { lang: string; line: number; body: string[]; marker?: string } | undefined;
  let lastMarker: string | undefined;
  lines.forEach((line, i) => {
    const fence = /^\s*```(\S*)/.exec(line);
    if (open) {
      prose.push("");
      if (fence && line.trim() === "```") {
        const block: FencedBlock = { lang: open.lang, text: open.body.join("\n"), line: open.line };
        if (open.marker !== undefined) block.marker = open.marker;
        blocks.push(block);
        open = undefined;
      } else open.body.push(line);
      return;
    }
    if (fence) {
      open = { lang: fence[1] ?? "", line: i + 1, body: [] };
      if (lastMarker !== undefined) open.marker = lastMarker;
      lastMarker = undefined;
      prose.push("");
      return;
    }
    const marker = /^<!--\s*(quick-start:test\b.*?)\s*-->\s*$/.exec(line);
    if (marker) lastMarker = marker[1];
    else if (line.trim() !== "") lastMarker = undefined;
    prose.push(line);
  });
  return { prose, blocks };
}

/** GitHub's anchor for a heading text: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every heading's anchor, with GitHub's `-1`, `-2` suffixes for repeated headings. */
export function anchors(prose: readonly string[]): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** A Markdown link or image in prose (inline code stripped first). */
export interface Link {
  image: boolean;
  target: string;
  line: number;
}

export function links(prose: readonly string[]): Link[] {
  const out: Link[] = [];
  prose.forEach((raw, i) => {
    const line = raw.replace(/`[^`]*`/g, "``");
    for (const m of line.matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)\)/g)) {
      out.push({ image: m[1] === "!", target: m[2]!, line: i + 1 });
    }
  });
  return out;
}

/**
 * The commands of a shell block: `\` continuations joined, blank and comment lines dropped, a trailing
 * `&` kept as `background`.
 */
export function commands(block: string): { words: string[]; background: boolean; text: string }[] {
  const joined = block.replace(/\\\n\s*/g, " ");
  const out: { words: string[]; background: boolean; text: string }[] = [];
  for (const raw of joined.split("\n")) {
    const text = raw.trim();
    if (text === "" || text.startsWith("#")) continue;
    const words = shellWords(text);
    const background = words.at(-1) === "&";
    if (background) words.pop();
    out.push({ words, background, text });
  }
  return out;
}

/** Splits a command line as sh would for the quoting the README uses ('...', "...", and a trailing # comment). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unclosed ${c} in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined) {
      break;
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** A `curl` command line as a fetch call: -s/-i/-N are output options, -H adds a header, -d POSTs a body. */
export function curlToFetch(words: readonly string[]): { url: string; init: RequestInit } {
  if (words[0] !== "curl") throw new Error(`not a curl command: ${words.join(" ")}`);
  const headers: Record<string, string> = {};
  let url: string | undefined;
  let body: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === "-H") {
      const h = words[++i] ?? "";
      const colon = h.indexOf(":");
      headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
    } else if (w === "-d") body = words[++i];
    else if (/^-[siN]+$/.test(w)) continue;
    else if (w.startsWith("-")) throw new Error(`curl option ${w} is not understood by the README test`);
    else url = w.startsWith("http") ? w : `http://${w}`;
  }
  if (url === undefined) throw new Error(`no URL in: ${words.join(" ")}`);
  const init: RequestInit = { headers };
  if (body !== undefined) Object.assign(init, { method: "POST", body });
  return { url, init };
}
