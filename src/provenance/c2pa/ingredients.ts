/**
 * The UUID of the JUMBF description box of a C2PA manifest store ("c2pa" + the C2PA suffix):
 * every embedding (JPEG APP11, PNG caBX, WebP C2PA, BMFF uuid) carries it verbatim at the start
 * of the store, so finding it is a cheap, exact first test for Content Credentials.
 */
const MANIFEST_STORE_UUID = Buffer.from('6332706100110010800000aa00389b71', 'hex');

/** Whether the bytes may carry a C2PA manifest store (c2pa-rs reads it to be sure). */
export function mayCarryContentCredentials(bytes: Uint8Array): boolean {
  return (
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(MANIFEST_STORE_UUID) >= 0
  );
}
