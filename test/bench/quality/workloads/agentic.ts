/**
 * agentic: long tool-using sessions whose context grows with tool outputs. Each session has one of 8
 * agent system prompts (4,000 characters, ~1,000 tokens: tool schemas and instructions) and 6..24
 * steps; a step's prompt is the whole history so far (system prompt, task, every earlier tool call
 * and tool output) and its answer is a short tool call (lognormal, mean 60 tokens, sigma 0.6). The
 * tool output appended before the next step is lognormal (mean 350 tokens, sigma 1.0): file
 * contents, search results. A session ends when the next step would not fit in 4,096 tokens.
 * Arrivals are each the next step of a session drawn from 300 active ones (as multi-turn), so the
 * prefix a request shares with its session's previous step is long and growing, and the engine is
 * given the answer's block keys so it caches generated blocks.
 */
import { hashPrompt } from "../../../../src/scheduling/prefix/prefix-hash.js";
import { lognormal } from "./distributions.js";
import { pseudoText } from "./pseudo-text.js";
import { BASE_MODEL, contentOf, type RequestContent, type Workload } from "./workload.js";

export const agenticShape = {
  agents: 8,
  systemPromptChars: 4_000,
  task: { mean: 120, sigma: 0.6 },
  minSteps: 6,
  maxSteps: 24,
  call: { mean: 60, sigma: 0.6 },
  toolOutput: { mean: 350, sigma: 1.0 },
  contextTokens: 4_096,
  sessions: 300,
} as const;

interface Session {
  parts: string[];
  chars: number;
  stepsLeft: number;
}

export const agenticWorkload: Workload = {
  name: "agentic",
  description:
    "agent sessions: 8 system prompts (4,000 chars), 6..24 steps, tool call ~ lognormal(60, 0.6) tokens, tool output ~ lognormal(350, 1.0) tokens appended each step, history re-sent (<= 4,096 tokens), 300 concurrent sessions",
  contents(random) {
    const s = agenticShape;
    const systems = Array.from({ length: s.agents }, () => pseudoText(random, s.systemPromptChars));
    const draw = (shape: { mean: number; sigma: number }, max: number) =>
      Math.min(max, Math.max(4, Math.round(lognormal(random, shape.mean, shape.sigma))));
    const newSession = (): Session => {
      const task = pseudoText(random, draw(s.task, 1_000) * 4);
      return {
        parts: [systems[Math.floor(random.next() * systems.length)]!, task],
        chars: s.systemPromptChars + task.length,
        stepsLeft: s.minSteps + Math.floor(random.next() * (s.maxSteps - s.minSteps + 1)),
      };
    };
    /** Appends a tool call and its output; false when the context would overflow. */
    const advance = (session: Session, call: string): boolean => {
      const output = pseudoText(random, draw(s.toolOutput, 2_000) * 4);
      session.parts.push(call, output);
      session.chars += call.length + output.length;
      session.stepsLeft--;
      return session.chars / 4 + 256 <= s.contextTokens;
    };
    /** A session some steps in (history built, never sent): the steady-state mix from t = 0. */
    const startedSession = (): Session => {
      for (;;) {
        const session = newSession();
        const done = Math.floor(random.next() * session.stepsLeft);
        let fits = true;
        for (let t = 0; t < done && fits; t++)
          fits = advance(session, pseudoText(random, draw(s.call, 512) * 4));
        if (fits) return session;
      }
    };
    const pool: Session[] = Array.from({ length: s.sessions }, startedSession);
    return (): RequestContent => {
      for (;;) {
        const slot = Math.floor(random.next() * pool.length);
        const session = pool[slot]!;
        const answer = draw(s.call, 512);
        const tokens = Math.ceil(session.chars / 4);
        if (session.stepsLeft <= 0 || tokens + answer > s.contextTokens) {
          pool[slot] = newSession();
          continue;
        }
        const content = contentOf(session.parts, BASE_MODEL, undefined, answer);
        const call = pseudoText(random, answer * 4);
        content.engineKeys = hashPrompt([...session.parts, call], BASE_MODEL);
        if (!advance(session, call)) pool[slot] = newSession();
        return content;
      }
    };
  },
};
