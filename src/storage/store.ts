/** Where image files live. Implementations: local disk (embedded), S3-compatible (scale-out). */
export interface ImageStore {
  readonly kind: string;
  /**
   * Writes the bytes under `key`. Read a key only after its `put` has resolved (goodtake reads an
   * image only once its row is recorded); writing a key again replaces it atomically.
   */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The bytes under `key` as a stream, or undefined when absent. */
  open(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  delete(key: string): Promise<void>;
}
