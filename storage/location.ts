/**
 * A place that holds named files: a local directory or an `s3://bucket/prefix`. Everything the CLI
 * reads or writes by location goes through this, so every command works on both unchanged.
 */
export interface Location {
  /** Human-readable address of one file, for error messages (`/data/labels/a.png`, `s3://b/p/a.png`). */
  describe(name: string): string;
  read(name: string): Promise<Buffer>;
  write(name: string, data: Uint8Array | string): Promise<void>;
  exists(name: string): Promise<boolean>;
  /** Names (relative to the location, `/`-separated) of every file under it, sorted by code point. */
  list(): Promise<string[]>;
}
