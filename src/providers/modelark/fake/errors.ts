import { randomBytes } from 'node:crypto';

/** An error reply of the fake, in the upstream's shape. */
export interface FakeError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly param?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  429: 'TooManyRequests',
  500: 'InternalServerError',
};

/** Messages of the real API for the codes the fake produces (ids appended per reply). */
export const UPSTREAM_MESSAGES: Readonly<Record<string, string>> = {
  MissingParameter: 'The request failed because it is missing one or multiple required parameters.',
  InvalidParameter: 'One or more parameters specified in the request are not valid.',
  AuthenticationError: 'the API key or AK/SK in the request is missing or invalid.',
  InputTextSensitiveContentDetected:
    'The request failed because the input text may contain sensitive information.',
  InputImageSensitiveContentDetected:
    'The request failed because the input image may contain sensitive information.',
  OutputImageSensitiveContentDetected:
    'The request failed because the output image may contain sensitive information.',
  ModelAccountIpmRateLimitExceeded:
    'The request has exceeded the image-per-minute (IPM) limit of the model for your account. Please try again later.',
  InternalServiceError: 'The service encountered an unexpected internal error.',
};

/** A request id in the upstream's style (a long hex string starting 021). */
export function fakeRequestId(now: number): string {
  return `021${now}${randomBytes(12).toString('hex')}`;
}

/** The upstream's error envelope; the request id goes into the message, as upstream does. */
export function errorEnvelope(error: FakeError, requestId: string): unknown {
  const base = error.message || UPSTREAM_MESSAGES[error.code] || 'The request failed.';
  return {
    error: {
      code: error.code,
      message: `${base} Request id: ${requestId}`,
      param: error.param ?? '',
      type: TYPE_BY_STATUS[error.status] ?? '',
    },
  };
}

/** A JSON error `Response` with the headers the upstream sends. */
export function errorResponse(error: FakeError, requestId: string): Response {
  return new Response(JSON.stringify(errorEnvelope(error, requestId)), {
    status: error.status,
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...(error.status === 401 ? { 'x-error-code': 'AuthN_MissOrInvalidAuthorizationHeader' } : {}),
      ...error.headers,
    },
  });
}

/** 400 InvalidParameter naming the parameter, in the wording the upstream uses. */
export function invalidParameter(param: string, detail: string): FakeError {
  return {
    status: 400,
    code: 'InvalidParameter',
    param,
    message: `The parameter \`${param}\` specified in the request is not valid: ${detail}.`,
  };
}

/** 400 MissingParameter for a required parameter. */
export function missingParameter(param: string): FakeError {
  return { status: 400, code: 'MissingParameter', param, message: '' };
}
