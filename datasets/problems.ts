import { InputError } from '../common/errors.js';

/** One thing wrong with a dataset, as validation and import report it. */
export interface DatasetProblem {
  /** The item concerned, or null when the problem is the dataset's own (a split file, classes.json). */
  item: string | null;
  /** Address of the file, as its location describes it (a local path or an `s3://` URI). */
  file: string;
  reason: string;
}

/**
 * A file that is there but cannot be used: undecodable, of the wrong kind, or with values that do
 * not fit. Item loaders turn it into a {@link DatasetProblem}; elsewhere it is plain bad input.
 */
export class InvalidFileError extends InputError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** How many problems an error message spells out; the rest are counted. */
const LISTED_PROBLEMS = 20;

export function formatProblem(problem: DatasetProblem): string {
  const subject = problem.item === null ? problem.file : `${problem.item}: ${problem.file}`;
  return `${subject}: ${problem.reason}`;
}

/** One problem per line, at most {@link LISTED_PROBLEMS} of them, so a huge dataset still gives a readable message. */
export function formatProblemList(problems: readonly DatasetProblem[]): string {
  const lines = problems.slice(0, LISTED_PROBLEMS).map((problem) => `  ${formatProblem(problem)}`);
  if (problems.length > LISTED_PROBLEMS) lines.push(`  … and ${problems.length - LISTED_PROBLEMS} more`);
  return lines.join('\n');
}

/** Ids of the items that have at least one problem, in first-seen order. */
export function badItemIds(problems: readonly DatasetProblem[]): string[] {
  const ids = new Set<string>();
  for (const problem of problems) if (problem.item !== null) ids.add(problem.item);
  return [...ids];
}
