/** How far a long dataset operation (validation, import) is, in items. */
export interface Progress {
  done: number;
  total: number;
}

export type OnProgress = (progress: Progress) => void;
