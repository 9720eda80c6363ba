/**
 * multi-turn: chat sessions whose history grows. Each session has one of 20 app system prompts
 * (2,000 characters) and 3..8 turns; a turn's prompt is the system prompt + every earlier user
 * message and answer + the new user message (lognormal, mean 60 tokens, sigma 0.8); answers are
 * lognormal (mean 200 tokens, sigma 0.7). A session ends early when the next turn would not fit in
 * 4,096 tokens. Arrivals stay Poisson: each arrival is the next turn of a session drawn uniformly
 * from a pool of 600 active sessions, and a finished session is replaced by a new one; the pool
 * starts with sessions at random turns (their earlier turns happened before the run), so the mix of
 * turns is the same from the start and at every QPS. Answers are fixed in advance, so the stream does
 * not depend on the router, and the engine is given the answer's block keys so it caches generated
 * blocks as vLLM does.
 */
import { hashPrompt } from "../../../../src/scheduling/prefix/prefix-hash.js";
import { lognormal } from "./distributions.js";
import { pseudoText } from "./pseudo-text.js";
import { BASE_MODEL, contentOf, type RequestContent, type Workload } from "./workload.js";

export const multiTurnShape = {
  apps: 20,
  systemPromptChars: 2_000,
  minTurns: 3,
  maxTurns: 8,
  user: { mean: 60, sigma: 0.8 },
  answer: { mean: 200, sigma: 0.7 },
  contextTokens: 4_096,
  sessions: 600,
} as const;

interface Session {
  parts: string[];
  chars: number;
  turnsLeft: number;
}

export const multiTurnWorkload: Workload = {
  name: "multi-turn",
  description:
    "chat sessions: 20 app system prompts (2,000 chars), 3..8 turns, user ~ lognormal(60, 0.8), answer ~ lognormal(200, 0.7) tokens, history re-sent each turn (<= 4,096 tokens), 600 concurrent sessions",
  contents(random) {
    const s = multiTurnShape;
    const systems = Array.from({ length: s.apps }, () => pseudoText(random, s.systemPromptChars));
    const newSession = (): Session => ({
      parts: [systems[Math.floor(random.next() * systems.length)]!],
      chars: s.systemPromptChars,
      turnsLeft: s.minTurns + Math.floor(random.next() * (s.maxTurns - s.minTurns + 1)),
    });
    const draw = (min: number, shape: { mean: number; sigma: number }) =>
      Math.max(min, Math.round(lognormal(random, shape.mean, shape.sigma)));
    /** A session already some turns in (history built, never sent): the steady-state mix from t = 0. */
    const startedSession = (): Session => {
      const session = newSession();
      const done = Math.floor(random.next() * session.turnsLeft);
      for (let t = 0; t < done; t++) {
        const text = pseudoText(random, (draw(4, s.user) + Math.min(1_024, draw(4, s.answer))) * 4);
        if ((session.chars + text.length) / 4 + 1_024 > s.contextTokens) break;
        session.parts.push(text);
        session.chars += text.length;
        session.turnsLeft--;
      }
      return session;
    };
    const pool: Session[] = Array.from({ length: s.sessions }, startedSession);
    return (): RequestContent => {
      for (;;) {
        const slot = Math.floor(random.next() * pool.length);
        const session = pool[slot]!;
        const user = pseudoText(random, draw(4, s.user) * 4);
        const answer = Math.min(1_024, draw(4, s.answer));
        const tokens = Math.ceil((session.chars + user.length) / 4);
        if (session.turnsLeft <= 0 || tokens + answer > s.contextTokens) {
          pool[slot] = newSession();
          continue;
        }
        session.parts.push(user);
        session.chars += user.length;
        const content = contentOf(session.parts, BASE_MODEL, undefined, answer);
        const reply = pseudoText(random, answer * 4);
        // The engine caches the answer's blocks as it generates them (vLLM does), so the next turn,
        // which repeats it, can hit them: its keys run on through the known reply.
        content.engineKeys = hashPrompt([...session.parts, reply], BASE_MODEL);
        session.parts.push(reply);
        session.chars += reply.length;
        session.turnsLeft--;
        return content;
      }
    };
  },
};
