#!/usr/bin/env node
// Entry of the `inference-router` command: runs the TypeScript sources through tsx's loader, so the
// package needs no build step.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
