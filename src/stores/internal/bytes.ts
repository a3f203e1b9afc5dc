/**
 * A plain `Uint8Array` view of the same memory as `bytes` (no copy). Drivers hand back `Buffer`s;
 * stores return plain `Uint8Array`s so values compare and serialize the same whatever the backend.
 */
export function asPlainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A private copy of `bytes`, so a caller mutating its array later cannot change a stored value. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
