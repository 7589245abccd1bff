/**
 * The annotation HTTP API's inputs (zod: every body, parameter and query string) and outputs (the
 * JSON shapes the web page and the oracle annotators read). The contract is documented in
 * annotation/README.md; shapes only grow (new optional fields), never change.
 */
import { z } from 'zod';

/** Campaign ids are workflow ids as `alc campaign start` allows them. */
export const CampaignIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'expected a campaign id (letters, digits, ".", "_", "-")');

/** Annotator names end up in S3 keys and in the round's answer records. */
export const AnnotatorNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_", "@" or "-"');

/** `<image>/<superpixel>`, as the round issues them. */
export const QueryIdSchema = z.string().max(300).regex(/^[^/]+\/[1-9][0-9]*$/, 'a query id is <image>/<superpixel>');

export const MAX_LEASE_SIZE = 50;
export const DEFAULT_LEASE_SIZE = 10;
export const MAX_ANSWERS_PER_REQUEST = 500;

const roundNumber = z.coerce.number().int().min(0).max(1_000_000);

export const CampaignParamsSchema = z.object({ campaignId: CampaignIdSchema }).strict();

export const AssetParamsSchema = z
  .object({
    campaignId: CampaignIdSchema,
    round: roundNumber,
    image: z.string().min(1).max(255).refine((id) => !id.includes('/'), 'an image id cannot contain "/"'),
    superpixel: z.string().regex(/^[1-9][0-9]{0,9}$/, 'expected a superpixel id').transform(Number),
  })
  .strict();

export const LeaseRequestSchema = z.object({ size: z.number().int().min(1).max(MAX_LEASE_SIZE).default(DEFAULT_LEASE_SIZE) }).strict();

export const ReleaseRequestSchema = z.object({ queryIds: z.array(QueryIdSchema).min(1).max(MAX_ANSWERS_PER_REQUEST) }).strict();

export const AnswerItemSchema = z
  .object({
    queryId: QueryIdSchema,
    answer: z.enum(['correct', 'relabel', 'skip']),
    /** The class to relabel to (255 = cannot tell / ignore); only with `relabel`. */
    class: z.number().int().min(0).max(255).optional(),
    /** The round the query belongs to; default: the round it was leased in, else the current one. */
    round: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((a) => a.answer !== 'relabel' || a.class !== undefined, { message: 'a relabel answer needs a class', path: ['class'] })
  .refine((a) => a.answer === 'relabel' || a.class === undefined, { message: 'only a relabel answer has a class', path: ['class'] });
export type AnswerItem = z.infer<typeof AnswerItemSchema>;

export const AnswersRequestSchema = z.object({ answers: z.array(AnswerItemSchema).min(1).max(MAX_ANSWERS_PER_REQUEST) }).strict();

export const OperatorCampaignQuerySchema = z.object({ round: roundNumber.optional() }).strict();

// ---------------------------------------------------------------------------------------------
// Responses (schemas too: clients such as the oracle annotators validate what they read)

export const RoleSchema = z.enum(['annotator', 'operator']);
export type Role = z.infer<typeof RoleSchema>;

export const MeViewSchema = z.object({ annotator: z.string(), role: RoleSchema, campaigns: z.union([z.literal('*'), z.array(z.string())]) });
export type MeView = z.infer<typeof MeViewSchema>;

export const ClassViewSchema = z.object({ id: z.number().int(), name: z.string(), color: z.string().regex(/^#[0-9a-f]{6}$/) });
export type ClassView = z.infer<typeof ClassViewSchema>;

const count = z.number().int().min(0);
export const ProgressViewSchema = z.object({
  queries: count,
  answered: count,
  leased: count,
  open: count,
  /** Answers (votes, with redundancy) this annotator gave in the round. */
  mine: count,
});
export type ProgressView = z.infer<typeof ProgressViewSchema>;

export const CampaignViewSchema = z.object({
  campaignId: z.string(),
  name: z.string(),
  round: count,
  status: z.string(),
  step: z.string().nullable(),
  classes: z.array(ClassViewSchema),
  progress: ProgressViewSchema,
  /** Beyond the fixed contract: whether the round takes answers now, its scoring mode (the oracle needs it), the redundancy. */
  accepting: z.boolean(),
  mode: z.enum(['alc', 'a2lc']),
  redundancy: z.object({ annotators: z.number().int().min(1), quorum: z.number().int().min(1) }),
});
export type CampaignView = z.infer<typeof CampaignViewSchema>;

export const QueryViewSchema = z.object({
  queryId: z.string(),
  round: count,
  image: z.string(),
  superpixel: z.number().int().min(1),
  rank: z.number().int().min(1),
  rep: z.tuple([count, count]),
  label: z.number().int().min(0).max(255),
  labelName: z.string(),
  labelColor: z.string(),
  expansion: z.number().int().min(1),
  bbox: z.object({ left: count, top: count, width: count, height: count }),
  assetUrl: z.string(),
});
export type QueryView = z.infer<typeof QueryViewSchema>;

export const LeaseViewSchema = z.object({ round: count, expiresAt: z.iso.datetime(), queries: z.array(QueryViewSchema) });
export type LeaseView = z.infer<typeof LeaseViewSchema>;

export const AnswerOutcomeKindSchema = z.enum(['accepted', 'duplicate', 'rejected', 'pending-quorum']);
export type AnswerOutcomeKind = z.infer<typeof AnswerOutcomeKindSchema>;
export const AnswerOutcomeViewSchema = z.object({ queryId: z.string(), outcome: AnswerOutcomeKindSchema, reason: z.string().optional() });
export type AnswerOutcomeView = z.infer<typeof AnswerOutcomeViewSchema>;

export const AnswersViewSchema = z.object({ outcomes: z.array(AnswerOutcomeViewSchema), progress: ProgressViewSchema });
export type AnswersView = z.infer<typeof AnswersViewSchema>;

export const ReleaseViewSchema = z.object({
  released: z.array(z.string()),
  /** Named queries this annotator held no lease on (already expired, answered, or never leased). */
  notHeld: z.array(z.string()),
});
export type ReleaseView = z.infer<typeof ReleaseViewSchema>;

export const ApiErrorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;
