/** The checkov waivers (deploy/checkov/waivers.yaml): which checks are skipped, and why. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { InputError } from '../../common/errors.js';
import { formatZodIssues } from '../../common/zod-errors.js';
import { DEPLOY_DIR } from './render.js';

export const WAIVERS_FILE = path.join(DEPLOY_DIR, 'checkov', 'waivers.yaml');

export const WaiversSchema = z
  .object({
    waivers: z.array(
      z
        .object({
          check: z.string().regex(/^CKV2?_[A-Z0-9]+_\d+$/, 'expected a checkov check id such as CKV_K8S_43'),
          reason: z.string().trim().min(40, 'expected a reason of at least a sentence'),
        })
        .strict(),
    ),
  })
  .strict()
  .refine((file) => new Set(file.waivers.map((w) => w.check)).size === file.waivers.length, { message: 'a check is waived twice', path: ['waivers'] });
export type Waivers = z.infer<typeof WaiversSchema>;

export async function readWaivers(file = WAIVERS_FILE): Promise<Waivers> {
  const parsed = WaiversSchema.safeParse(parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new InputError(formatZodIssues(file, parsed.error));
  return parsed.data;
}
