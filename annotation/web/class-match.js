/**
 * Which classes what the annotator typed can mean: digits are a class number (its id), anything
 * else the start of a class name (or of a word in it: "str" finds "red-striped").
 */

/**
 * @param {{id: number, name: string}[]} classes
 * @param {string} typed
 * @returns {{matches: {id: number, name: string}[], decisive?: {id: number, name: string}}}
 *   matches in list order (name prefixes before word prefixes); `decisive` is the class to take
 *   without waiting for Enter: the number typed is a class's and no longer number starts with it.
 */
export function matchClasses(classes, typed) {
  const text = typed.trim().toLowerCase();
  if (text === '') return { matches: [] };
  if (/^\d+$/.test(text)) {
    const matches = classes.filter((c) => String(c.id).startsWith(text));
    const exact = matches.find((c) => String(c.id) === text);
    return { matches: exact ? [exact, ...matches.filter((c) => c !== exact)] : matches, decisive: exact && matches.length === 1 ? exact : undefined };
  }
  const prefix = classes.filter((c) => c.name.toLowerCase().startsWith(text));
  const word = classes.filter((c) => !prefix.includes(c) && c.name.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(text)));
  return { matches: [...prefix, ...word] };
}
