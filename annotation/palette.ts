/**
 * Class colours for annotators, chosen for colour-vision deficiencies rather than taken from the
 * dataset (PASCAL's colour map puts red next to green): Okabe & Ito's eight colours first, then
 * Paul Tol's "muted" and "light" schemes, which stay apart under protanopia, deuteranopia and
 * tritanopia. Past 25 classes colours repeat; the class name is always shown beside its colour.
 */
import { IGNORE_LABEL } from '../engine/types.js';

const OKABE_ITO = ['#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7', '#000000'];
const TOL_MUTED = ['#332288', '#88ccee', '#44aa99', '#117733', '#999933', '#ddcc77', '#cc6677', '#882255', '#aa4499'];
const TOL_LIGHT = ['#77aadd', '#99ddff', '#44bb99', '#bbcc33', '#aaaa00', '#eedd88', '#ee8866', '#ffaabb'];
export const CLASS_PALETTE: readonly string[] = [...OKABE_ITO, ...TOL_MUTED, ...TOL_LIGHT];

/** Tol's "bad data" grey: 255, "cannot tell / ignore". */
export const IGNORE_COLOR = '#dddddd';
export const IGNORE_NAME = 'ignore';

/** Colour of each class id, by its position among the campaign's classes (ascending ids). */
export function classColors(classIds: readonly number[]): Map<number, string> {
  const colors = new Map<number, string>();
  [...classIds].sort((a, b) => a - b).forEach((id, index) => colors.set(id, CLASS_PALETTE[index % CLASS_PALETTE.length]));
  colors.set(IGNORE_LABEL, IGNORE_COLOR);
  return colors;
}
