import type { z } from 'zod';

/** One line per problem: `where: path.to.field: what was expected`. Every issue, not just the first. */
export function formatZodIssues(where: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      return `${where}: ${field}: ${issue.message}`;
    })
    .join('\n');
}
