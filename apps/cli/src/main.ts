#!/usr/bin/env node
import { ApiError } from './api-client';
import { buildProgram } from './program';

/** `faceshard …` (package.json bin). Errors: one line with the API's code, exit status 1. */
buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof ApiError) console.error(`error ${err.code}${err.status ? ` (HTTP ${err.status})` : ''}: ${err.message}`);
    else console.error(`error: ${(err as Error).message ?? String(err)}`);
    process.exitCode = 1;
  });
