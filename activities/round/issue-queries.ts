import { InputError } from '../../common/errors.js';
import { compareCodePoints } from '../../common/order.js';
import { decodeSuperpixelPng } from '../../datasets/png.js';
import type { RankedSuperpixel } from '../../engine/types.js';
import type { IssueQueriesInput, IssueQueriesResult } from './contracts.js';
import { forEachImage, openDataset, requirePrefix, requireSameSize, type RoundContext, type RoundDependencies } from './context.js';
import { queryIdOf, roundKeys } from './keys.js';
import { decodeRgb, expansionRegions, renderQueryAsset } from './query-asset.js';
import { RankedSuperpixelSchema, readJsonl, writeJsonl, type QueryRecord } from './records.js';

/**
 * Turns the ranked selection into correction queries: one record per selected superpixel in
 * `queries.jsonl` (rank order) and a rendered asset per query for the annotation app. E comes from
 * the expansion maps scoring wrote, so no soft label is read again. Keys and bytes depend only on
 * the inputs: a retry rewrites the same objects.
 */
export async function issueQueries(deps: RoundDependencies, input: IssueQueriesInput, context: RoundContext = {}): Promise<IssueQueriesResult> {
  const { store } = deps;
  requirePrefix('roundPrefix', input.roundPrefix);
  const reader = await openDataset(store, input.datasetPrefix, input.labelsPrefix);
  const classById = new Map(reader.manifest.classes.map((c) => [c.id, c]));

  const selectedFile = store.uri(input.selectedKey);
  const selected = await readJsonl(store, input.selectedKey, RankedSuperpixelSchema);
  const lineOfQuery = new Map<string, number>();
  const byImage = new Map<string, RankedSuperpixel[]>();
  for (const { line, value } of selected) {
    const queryId = queryIdOf(value);
    const first = lineOfQuery.get(queryId);
    if (first !== undefined) throw new InputError(`${selectedFile}:${line}: ${value.image} superpixel ${value.superpixel} is selected twice (first on line ${first})`);
    lineOfQuery.set(queryId, line);
    if (!classById.has(value.label)) throw new InputError(`${selectedFile}:${line}: label ${value.label} is not a class of the dataset`);
    const ofImage = byImage.get(value.image);
    if (ofImage === undefined) byImage.set(value.image, [value]);
    else ofImage.push(value);
  }

  const queries = new Map<string, QueryRecord>();
  await forEachImage([...byImage.keys()].sort(compareCodePoints), context, async (image) => {
    const records = byImage.get(image) ?? [];
    const expansionKey = roundKeys.expansionMap(input.roundPrefix, image);
    const [photo, expansion] = await Promise.all([
      reader.imageBytes(image).then((bytes) => decodeRgb(bytes, `${image}: ${reader.item(image).image}`)),
      store.getBytes(expansionKey).then((bytes) => decodeSuperpixelPng(bytes, store.uri(expansionKey))),
    ]);
    requireSameSize(`${image}: image and expansion map`, photo, expansion);
    const regions = expansionRegions(
      expansion.data,
      expansion.width,
      records.map((r) => r.superpixel),
    );
    for (const record of records) {
      const queryId = queryIdOf(record);
      const at = `${selectedFile}:${lineOfQuery.get(queryId)}`;
      const region = regions.get(record.superpixel);
      // Both come from the same scoring pass; a mismatch means the map is of another round or tau.
      if (region?.pixels !== record.expansion) {
        throw new InputError(`${at}: ${queryId} has an expansion set of ${record.expansion} pixels, ${store.uri(expansionKey)} marks ${region?.pixels ?? 0}`);
      }
      const [row, col] = record.rep;
      if (row >= photo.height || col >= photo.width) throw new InputError(`${at}: ${queryId}: representative pixel (${row}, ${col}) is outside the ${photo.width}x${photo.height} image`);
      const labelClass = classById.get(record.label)!;
      const assetKey = roundKeys.asset(input.roundPrefix, queryId);
      const asset = await renderQueryAsset(photo, expansion.data, { superpixel: record.superpixel, region, rep: record.rep, labelName: labelClass.name, labelColor: labelClass.color });
      await store.putBytes(assetKey, asset, { contentType: 'image/png' });
      queries.set(queryId, {
        queryId,
        image,
        superpixel: record.superpixel,
        rank: record.rank,
        rep: [row, col],
        label: record.label,
        labelName: labelClass.name,
        expansion: record.expansion,
        assetKey,
        bbox: region.bbox,
      });
    }
  });

  // The selection's own order (rank order), not the order images happened to finish in.
  const ordered = selected.map(({ value }) => queries.get(queryIdOf(value))!);
  const queriesKey = roundKeys.queries(input.roundPrefix);
  await writeJsonl(store, queriesKey, ordered);
  return { queriesKey, queryIds: ordered.map((q) => q.queryId) };
}
