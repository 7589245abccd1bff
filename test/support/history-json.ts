/**
 * History <-> JSON in the format the Temporal CLI and Web UI export (proto3 JSON), for the replay
 * fixtures. Same conversion as the SDK's `historyToJSON`/`historyFromJSON`
 * (`@temporalio/common/lib/proto-utils`), but through the protobufjs copy that `@temporalio/proto`
 * itself loads: where npm installs two copies of protobufjs (as here: one under
 * @temporalio/common, one under @temporalio/proto), the SDK's helpers fail with "type must be a
 * Type" because a message type of one copy is not an instance of the other's `Type`.
 */
import { createRequire } from 'node:module';
import proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const requireHere = createRequire(import.meta.url);
// Resolve from @temporalio/proto's own folder: the copy whose `Type` its message types are.
const requireFromProto = createRequire(requireHere.resolve('@temporalio/proto'));
const protojson = requireFromProto('protobufjs/ext/protojson') as ProtoJson;
const { patchProtobufRoot } = requireHere('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot: (root: unknown) => { lookupType(name: string): unknown } };
const historyType = patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History');

export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

/** Parses an exported history (older exports spell enum values in PascalCase: those are not supported here). */
export function historyFromJson(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('not a history: expected an object with an array of events');
  }
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
