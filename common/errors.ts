/**
 * Errors that carry their meaning to the edges: the CLI maps them to exit codes and activities map
 * them to retryable or non-retryable Temporal failures.
 */

/** The input is wrong (a bad file, field or argument). Retrying cannot help. */
export class InputError extends Error {
  override readonly name: string = 'InputError';
}

/** Something the command depends on is not there or not reachable (the stack, a tool). */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}

/** Process exit codes of the `alc` CLI; documented in README.md. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  badInput: 2,
  unavailable: 3,
} as const;

/** A file or object that the input names does not exist. */
export class NotFoundError extends InputError {
  override readonly name = 'NotFoundError';
}
