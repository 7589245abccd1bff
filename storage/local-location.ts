import { mkdir, readFile, readdir, stat, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError } from '../common/errors.js';
import { compareCodePoints } from '../common/order.js';
import type { Location } from './location.js';

/** A local directory as a {@link Location}. Writes go to a temporary name first, then rename. */
export class LocalDirLocation implements Location {
  constructor(readonly root: string) {}

  describe(name: string): string {
    return path.join(this.root, name);
  }

  async read(name: string): Promise<Buffer> {
    try {
      return await readFile(this.describe(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${this.describe(name)} does not exist`);
      throw error;
    }
  }

  async write(name: string, data: Uint8Array | string): Promise<void> {
    const target = this.describe(name);
    await mkdir(path.dirname(target), { recursive: true });
    // A crash mid-write must never leave a truncated file under the real name.
    const partial = `${target}.partial-${process.pid}`;
    await writeFile(partial, data);
    await rename(partial, target);
  }

  async exists(name: string): Promise<boolean> {
    try {
      return (await stat(this.describe(name))).isFile();
    } catch {
      return false;
    }
  }

  async list(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
      .sort(compareCodePoints);
  }
}

