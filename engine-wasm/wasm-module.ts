/**
 * What the loaders of this folder's WebAssembly modules share: compiling a committed `.wasm` once
 * per thread, instantiating it with its own memory, and growing that memory.
 */
import { readFileSync } from 'node:fs';

const PAGE = 65536;
/** wasm32 addresses 4 GiB. */
const MAX_BYTES = 2 ** 32;

/** The arrays do not fit in a module's memory (wasm32 addresses 4 GiB). */
export class KernelMemoryError extends Error {
  override readonly name = 'KernelMemoryError';
}

/** A module instance's memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The part of the WebAssembly JS API used here (its full types live in lib.dom, which this project leaves out). */
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const compiled = new Map<string, object>();

/** A new instance (with a memory of its own) of the module in `file`, compiled on first use. */
export function instantiate<Exports>(file: URL): Exports {
  let module = compiled.get(file.href);
  if (module === undefined) {
    module = new Module(readFileSync(file));
    compiled.set(file.href, module);
  }
  return new Instance(module, {}).exports as Exports;
}

/**
 * Grows `memory` to hold `bytes` (with some headroom, so that slightly larger inputs do not grow it
 * again). Growing detaches the views of the old buffer. Throws KernelMemoryError when it cannot.
 */
export function reserveMemory(memory: WasmMemory, bytes: number): void {
  if (bytes > MAX_BYTES) throw new KernelMemoryError(`they need ${bytes} bytes of WebAssembly memory, more than the 4 GiB it can address`);
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  const want = Math.min(MAX_BYTES, Math.ceil(bytes * 1.125));
  try {
    memory.grow(Math.ceil((want - have) / PAGE));
  } catch (error) {
    throw new KernelMemoryError(`WebAssembly memory could not grow to ${want} bytes (${error instanceof Error ? error.message : String(error)})`);
  }
}
