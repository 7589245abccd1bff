import { z } from 'zod';

/** Label value meaning "unknown / void / ignore" in every label map of the project. */
export const IGNORE_INDEX = 255;

const rgb = z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]);

export const ClassSchema = z.object({
  id: z.number().int().min(0).max(254),
  name: z.string().min(1),
  color: rgb,
});
export type ClassDef = z.infer<typeof ClassSchema>;

export const ClassListSchema = z
  .array(ClassSchema)
  .min(1)
  .superRefine((classes, ctx) => {
    const seen = new Set<number>();
    classes.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate class id ${c.id}` });
      seen.add(c.id);
    });
  });

/** A dataset path is relative to the manifest's own location and uses `/`. */
const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the dataset');

export const ItemSchema = z.object({
  id: z.string().min(1).refine((id) => !id.includes('/'), 'an item id cannot contain "/"'),
  image: relativePath,
  pseudoLabel: relativePath,
  superpixels: relativePath,
  groundTruth: relativePath.optional(),
  split: z.enum(['train', 'val']),
});
export type DatasetItem = z.infer<typeof ItemSchema>;

export const ManifestSchema = z
  .object({
    version: z.literal(1),
    name: z.string().min(1),
    classes: ClassListSchema,
    items: z.array(ItemSchema),
    provenance: z.object({
      importer: z.string().min(1),
      source: z.string().min(1),
      createdAt: z.iso.datetime(),
    }),
  })
  .superRefine((manifest, ctx) => {
    const seen = new Set<string>();
    manifest.items.forEach((item, i) => {
      if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: ['items', i, 'id'], message: `duplicate item id "${item.id}"` });
      seen.add(item.id);
    });
  });
export type DatasetManifest = z.infer<typeof ManifestSchema>;

/** File name of the manifest at a dataset's root. */
export const MANIFEST_NAME = 'manifest.json';
