import { z } from 'zod';

/**
 * What a trained segmentation model needs at inference time, read from the trainer's
 * `metrics.json` (trainer/CONTRACT.md): tensor names, normalisation and the class list.
 */
export const SegmentationModelMetadataSchema = z.looseObject({
  kind: z.literal('segmentation'),
  inputName: z.string().min(1),
  outputName: z.string().min(1),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  numClasses: z.number().int().min(2),
});
export type SegmentationModelMetadata = z.infer<typeof SegmentationModelMetadataSchema>;
