/** Where image files live. Implementations: local disk (embedded), S3-compatible (scale-out). */
export interface ImageStore {
  readonly kind: string;
  /** Writes the bytes under `key`; visible to readers only once complete. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The bytes under `key` as a stream, or undefined when absent. */
  open(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  delete(key: string): Promise<void>;
}
