/**
 * `alc token create | list | revoke`: bearer tokens of the annotation service (annotation/tokens.ts).
 * A token is printed once, at creation; S3 keeps only its SHA-256 and who it is for.
 */
import type { Command } from 'commander';
import { CampaignIdSchema, AnnotatorNameSchema } from '../../annotation/api-schemas.js';
import { TokenStore, type TokenRecord, type TokenSpec } from '../../annotation/tokens.js';
import { InputError } from '../../common/errors.js';
import { loadConnectionConfig } from '../../configs/load.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { formatTable, printJson, printLines } from '../output.js';

async function openTokenStore(): Promise<TokenStore> {
  const { config } = await loadConnectionConfig();
  return new TokenStore(new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface CreateOptions {
  annotator?: string;
  campaign: string[];
  operator?: boolean;
  all?: boolean;
  note?: string;
  json?: boolean;
}

/** The token's spec from the options; every problem is an InputError naming the option. */
export function tokenSpecOf(options: CreateOptions): TokenSpec {
  const role = options.operator ? 'operator' : 'annotator';
  const annotator = options.annotator ?? (options.operator ? 'operator' : undefined);
  if (annotator === undefined) throw new InputError('--annotator NAME is required for an annotator token (or give --operator)');
  const name = AnnotatorNameSchema.safeParse(annotator);
  if (!name.success) throw new InputError(`--annotator: ${name.error.issues[0].message}, got "${annotator}"`);
  for (const campaign of options.campaign) {
    const id = CampaignIdSchema.safeParse(campaign);
    if (!id.success) throw new InputError(`--campaign: ${id.error.issues[0].message}, got "${campaign}"`);
  }
  if (options.all && !options.operator) throw new InputError('--all is for operator tokens: an annotator token names its campaigns (--campaign ID)');
  if (options.all && options.campaign.length > 0) throw new InputError('give --all or --campaign, not both');
  if (!options.all && options.campaign.length === 0) throw new InputError(options.operator ? 'give --campaign ID (repeatable) or --all' : '--campaign ID is required (repeatable)');
  if (options.note !== undefined && options.note.length > 200) throw new InputError('--note: at most 200 characters');
  return { role, annotator, campaigns: options.all ? '*' : options.campaign, note: options.note };
}

function describeCampaigns(campaigns: TokenRecord['campaigns']): string {
  return campaigns === '*' ? 'all' : campaigns.join(',');
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('bearer tokens of the annotation service: create (shown once), list, revoke');

  token
    .command('create')
    .description('create a token and print it once (S3 keeps only its hash)')
    .option('--annotator <name>', 'who answers with it (recorded with every answer); default "operator" for --operator')
    .option('--campaign <id>', 'a campaign the token is for (repeatable)', collect, [])
    .option('--operator', 'an operator token: the operator routes too')
    .option('--all', 'operator tokens only: every campaign')
    .option('--note <text>', 'a free note kept with the token (who has it, why)')
    .option('--json', 'print {"token","tokenId","role","annotator","campaigns","createdAt"}')
    .action(async (options: CreateOptions) => {
      const spec = tokenSpecOf(options);
      const { token: secret, record } = await (await openTokenStore()).create(spec);
      if (options.json) return printJson({ token: secret, tokenId: record.tokenId, role: record.role, annotator: record.annotator, campaigns: record.campaigns, createdAt: record.createdAt });
      printLines(secret);
      process.stderr.write(`token ${record.tokenId}: ${record.role} ${record.annotator}, campaigns ${describeCampaigns(record.campaigns)}. It is shown only now: keep it; revoke with \`alc token revoke ${record.tokenId}\`.\n`);
    });

  token
    .command('list')
    .description('every token: id, role, annotator, campaigns, created, revoked (never the token itself)')
    .option('--json', 'print a JSON array of the records (hashes left out)')
    .action(async (options: { json?: boolean }) => {
      const records = await (await openTokenStore()).list();
      if (options.json) return printJson(records.map(({ secretSha256: _hash, ...rest }) => rest));
      if (records.length === 0) return printLines('no tokens (alc token create)');
      printLines(
        formatTable(
          ['token id', 'role', 'annotator', 'campaigns', 'created', 'revoked', 'note'],
          records.map((r) => [r.tokenId, r.role, r.annotator, describeCampaigns(r.campaigns), r.createdAt, r.revokedAt ?? '-', r.note ?? '']),
        ),
      );
    });

  token
    .command('revoke')
    .description('revoke a token: running services refuse it within their token cache time (5 s by default)')
    .argument('<token-id>', 'the id `alc token list` shows')
    .option('--json', 'print the revoked record')
    .action(async (tokenId: string, options: { json?: boolean }) => {
      const record = await (await openTokenStore()).revoke(tokenId);
      if (options.json) {
        const { secretSha256: _hash, ...rest } = record;
        return printJson(rest);
      }
      printLines(`token ${record.tokenId} (${record.role} ${record.annotator}) revoked at ${record.revokedAt}`);
    });
}
