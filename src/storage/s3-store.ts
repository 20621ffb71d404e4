import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { StorageConfig } from '../config.ts';
import type { ImageStore } from './store.ts';

// This module imports the AWS SDK at its top: import it only where STORAGE=s3 is configured
// (src/compose.ts does, with a dynamic import), so that nothing else loads the SDK.

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** Image files never change once written: caches and CDNs may keep them for good. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * Where a storage key lives in the bucket. Image files (`<id>.<ext>`) go under `images/`, so that
 * `<PUBLIC_BASE_URL>/images/<id>.<ext>` is the same path on goodtake and on a CDN or bucket
 * website in front of the bucket; other keys (`inputs/...`, kept blend sources) keep their path
 * and stay out of `images/`, so a bucket policy can publish `images/*` alone.
 */
export function objectKeyOf(key: string): string {
  if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`unsafe storage key ${key}`);
  return key.includes('/') ? key : `images/${key}`;
}

/** An S3 client for AWS S3 or an S3-compatible service (MinIO, Ceph RGW, R2, B2, ...). */
export function createS3Client(config: Extract<StorageConfig, { kind: 's3' }>): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // Plain PUTs with a Content-Length and no trailing checksums: what every S3-compatible
    // service accepts (the SDK's newer default, aws-chunked uploads with checksum trailers,
    // is refused by several of them).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    maxAttempts: 3,
  });
}

function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return (
    err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404
  );
}

/**
 * Image files in an S3-compatible bucket, so every replica reads what any replica wrote. A PUT
 * is atomic in S3: readers see the whole object or none, as the interface requires.
 */
export function createS3Store(options: { client: S3Client; bucket: string }): ImageStore {
  const { client, bucket } = options;
  return {
    kind: 's3',
    async put(key, bytes, contentType) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: objectKeyOf(key),
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: contentType,
          CacheControl: IMMUTABLE_CACHE_CONTROL,
        }),
      );
    },
    async open(key) {
      try {
        const res = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: objectKeyOf(key) }),
        );
        if (!res.Body) return undefined;
        return res.Body.transformToWebStream() as ReadableStream<Uint8Array>;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKeyOf(key) }));
    },
  };
}

/**
 * Checks at start that the bucket exists and the endpoint answers, so a typo stops start-up
 * with a clear message instead of failing every generation. Some policies grant object access
 * without the bucket-level permission HeadBucket needs: a 403 is returned as a warning only.
 */
export async function checkS3Bucket(
  client: S3Client,
  bucket: string,
): Promise<{ warning?: string }> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return {};
  } catch (err) {
    const status = err instanceof S3ServiceException ? err.$metadata?.httpStatusCode : undefined;
    if (status === 403) {
      return {
        warning: `S3 bucket ${bucket}: HeadBucket was denied, so the bucket could not be checked at start; images will fail to store if the credentials lack s3:PutObject/s3:GetObject on it`,
      };
    }
    const why =
      status === 404
        ? 'it does not exist (create it first)'
        : err instanceof Error
          ? err.message
          : String(err);
    throw new Error(`cannot use S3 bucket ${bucket}: ${why}`, { cause: err });
  }
}
