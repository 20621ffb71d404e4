import type { TestProject } from 'vitest/node';
import { scaleOutUrls, startS3Server } from '../helpers/scale-out.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The S3-compatible server of the scale-out project. */
    s3Endpoint: string;
  }
}

/**
 * Global setup of the `scale-out` Vitest project: starts one S3-compatible server (s3rver, from
 * the npm registry, so it is always there) for every test file of the project; each test app
 * creates its own bucket on it. PostgreSQL and Redis are the machine's own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const urls = scaleOutUrls();
  if (!urls.ok) {
    console.warn(
      `notice: the HTTP suite on PostgreSQL + Redis + S3 and the multi-replica tests are skipped (${urls.reason})`,
    );
  }
  const s3 = await startS3Server();
  project.provide('s3Endpoint', s3.endpoint);
  return () => s3.close();
}
