import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalSigner } from './local-ca.ts';
import { type SigningKey, signingKeyFromPem } from './signing-key.ts';

export type SigningCredentials =
  | {
      readonly ok: true;
      readonly key: SigningKey;
      /** `local`: created by goodtake in the data directory; validators call it untrusted. */
      readonly source: 'configured' | 'local';
      readonly location?: string;
    }
  | { readonly ok: false; readonly message: string };

const LOCAL_DIR = 'c2pa';
const LOCAL_CERT = 'certificate.pem';
const LOCAL_KEY = 'private-key.pem';

/** A setting that is the PEM text itself, or the path of a file holding it. */
function pemFromSetting(
  name: string,
  value: string,
): { ok: true; pem: string } | { ok: false; message: string } {
  if (value.includes('-----BEGIN')) return { ok: true, pem: value.replace(/\\n/g, '\n') };
  try {
    return { ok: true, pem: readFileSync(value, 'utf8') };
  } catch (err) {
    return {
      ok: false,
      message: `${name}: cannot read ${value} (${(err as NodeJS.ErrnoException).code ?? err})`,
    };
  }
}

/**
 * The certificate and key that sign Content Credentials: the operator's own
 * (GOODTAKE_C2PA_CERT, GOODTAKE_C2PA_KEY), or on the embedded defaults a local one created at
 * first start in `<data dir>/c2pa/`. With PostgreSQL (several replicas) the operator's are
 * required: replicas must not each invent a signer of their own.
 */
export async function loadSigningCredentials(options: {
  cert: string | undefined;
  key: string | undefined;
  dataDir: string;
  database: 'sqlite' | 'postgres';
  organization?: string;
}): Promise<SigningCredentials> {
  if (options.cert !== undefined || options.key !== undefined) {
    if (options.cert === undefined || options.key === undefined) {
      return {
        ok: false,
        message: 'GOODTAKE_C2PA_CERT and GOODTAKE_C2PA_KEY go together: set both',
      };
    }
    const cert = pemFromSetting('GOODTAKE_C2PA_CERT', options.cert);
    if (!cert.ok) return cert;
    const key = pemFromSetting('GOODTAKE_C2PA_KEY', options.key);
    if (!key.ok) return key;
    const signing = signingKeyFromPem(cert.pem, key.pem);
    if (!signing.ok)
      return { ok: false, message: `GOODTAKE_C2PA_CERT/GOODTAKE_C2PA_KEY: ${signing.message}` };
    return { ok: true, key: signing.key, source: 'configured' };
  }
  if (options.database === 'postgres') {
    return {
      ok: false,
      message:
        'GOODTAKE_C2PA_CERT and GOODTAKE_C2PA_KEY must be set when DATABASE_URL is PostgreSQL: every replica must sign Content Credentials with the same certificate (or set GOODTAKE_PROVENANCE=xmp to embed only the IPTC metadata)',
    };
  }
  const dir = join(options.dataDir, LOCAL_DIR);
  const existing = readLocal(dir);
  if (existing) return existing;
  const created = await createLocalSigner({ organization: options.organization ?? 'goodtake' });
  // Written under a temporary name and renamed into place, so a server and a CLI started
  // together end up with one signer: whoever renames second reads the first one's.
  mkdirSync(options.dataDir, { recursive: true });
  const staging = join(options.dataDir, `.${LOCAL_DIR}-${randomBytes(6).toString('hex')}`);
  mkdirSync(staging, { mode: 0o700 });
  try {
    writeFileSync(join(staging, LOCAL_KEY), created.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(staging, LOCAL_CERT), created.certificatePem, { mode: 0o644 });
    renameSync(staging, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return (
    readLocal(dir) ?? { ok: false, message: `could not create the local C2PA signer in ${dir}` }
  );
}

function readLocal(dir: string): SigningCredentials | undefined {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = readFileSync(join(dir, LOCAL_CERT), 'utf8');
    keyPem = readFileSync(join(dir, LOCAL_KEY), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const signing = signingKeyFromPem(certPem, keyPem);
  if (!signing.ok) {
    return {
      ok: false,
      message: `the local C2PA signer in ${dir}: ${signing.message} (remove the folder to create a new one, or configure GOODTAKE_C2PA_CERT and GOODTAKE_C2PA_KEY)`,
    };
  }
  return { ok: true, key: signing.key, source: 'local', location: dir };
}
