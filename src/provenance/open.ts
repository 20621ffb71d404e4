import type { Logger } from '../log.ts';
import { createProvenance, type Provenance } from './provenance.ts';
import type { ProvenanceParts } from './settings.ts';

export interface ProvenanceConfig {
  readonly parts: ProvenanceParts;
  /** PEM text or a file path (GOODTAKE_C2PA_CERT / GOODTAKE_C2PA_KEY). */
  readonly cert: string | undefined;
  readonly key: string | undefined;
}

/**
 * The provenance step as configured: loads the signing certificate (creating the local one on
 * the embedded defaults) and the C2PA library only when Content Credentials are on, and says at
 * start what every image will carry.
 */
export async function openProvenance(options: {
  config: ProvenanceConfig;
  dataDir: string;
  database: 'sqlite' | 'postgres';
  version: string;
  log: Logger;
}): Promise<Provenance> {
  const { config, log } = options;
  const { parts } = config;
  if (!parts.xmp && !parts.c2pa) {
    log.warn(
      'GOODTAKE_PROVENANCE=off: images carry no machine-readable mark that they are AI-generated (the EU AI Act, Art. 50(2), asks providers for one); see docs/provenance.md',
    );
    return createProvenance({ parts, version: options.version, log });
  }
  if (!parts.c2pa) {
    log.info('provenance: IPTC digital source type in XMP; Content Credentials (C2PA) are off');
    return createProvenance({ parts, version: options.version, log });
  }
  // The signer's modules (the certificate tooling, CBOR, the 9 MB c2pa-rs WebAssembly module)
  // are loaded only when Content Credentials are on.
  const [{ loadSigningCredentials }, { createC2paSigner }, { loadC2pa }] = await Promise.all([
    import('./c2pa/credentials.ts'),
    import('./c2pa/signer.ts'),
    import('./c2pa/wasm.ts'),
  ]);
  const credentials = await loadSigningCredentials({
    cert: config.cert,
    key: config.key,
    dataDir: options.dataDir,
    database: options.database,
  });
  if (!credentials.ok) throw new Error(credentials.message);
  // The 9 MB module compiles in the background while the server starts; the first signature
  // waits for it. A failure to load fails that signature (and so its image), loudly.
  const c2pa = loadC2pa();
  c2pa.catch((err: unknown) => log.error({ err }, 'the C2PA library failed to load'));
  const signer = createC2paSigner({ c2pa, key: credentials.key });
  const fields = {
    signer: credentials.key.subject,
    algorithm: credentials.key.algorithm,
    notAfter: credentials.key.notAfter.toISOString(),
  };
  if (credentials.source === 'local') {
    log.warn(
      { ...fields, location: credentials.location },
      'Content Credentials are signed with a local self-signed certificate: validators will report the signer as untrusted; install a real one with GOODTAKE_C2PA_CERT and GOODTAKE_C2PA_KEY (docs/provenance.md)',
    );
  } else {
    log.info(fields, `provenance: ${parts.xmp ? 'IPTC XMP and ' : ''}Content Credentials (C2PA)`);
  }
  return createProvenance({ parts, signer, version: options.version, log });
}
