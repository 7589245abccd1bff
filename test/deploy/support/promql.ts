/**
 * The metric names a PromQL expression reads, for checking dashboards and alert rules against the
 * documented metrics. A small scanner rather than a parser: it drops strings, label matchers,
 * ranges, grouping clauses and Grafana variables, then keeps the identifiers that are not PromQL
 * functions, aggregations or keywords. Enough for the expressions in deploy/, which the tests
 * below exercise.
 */

const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'count_over_time',
  'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp', 'floor', 'histogram_quantile',
  'histogram_count', 'histogram_sum', 'histogram_fraction', 'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join',
  'label_replace', 'last_over_time', 'ln', 'log10', 'log2', 'max_over_time', 'min_over_time', 'minute', 'month', 'predict_linear',
  'present_over_time', 'quantile_over_time', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort', 'sort_desc', 'sqrt',
  'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'time', 'timestamp', 'vector', 'year',
]);
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile']);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // string literals
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' ') // Grafana variables: $__range, ${datasource}
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // grouping labels
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const lower = word.toLowerCase();
    if (FUNCTIONS.has(word) || AGGREGATIONS.has(word) || KEYWORDS.has(lower)) continue;
    // A number's exponent (1e3) or duration suffix (5m) is not a name.
    const before = stripped[match.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    names.add(word);
  }
  return [...names].sort();
}

/** Backticked identifiers of a Markdown document that look like metric names (contain `_`). */
export function documentedNames(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const match of markdown.matchAll(/`([A-Za-z_:][A-Za-z0-9_:]*)`/g)) if (match[1].includes('_')) names.add(match[1]);
  return names;
}

/** A histogram's series (`_bucket`, `_sum`, `_count`) are documented under the histogram's name. */
export function isDocumented(name: string, documented: Set<string>): boolean {
  if (documented.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && documented.has(base);
}
