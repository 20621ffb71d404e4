import { type ErrorDecision, FAILURE_MESSAGES, failDecision as fail } from '../kit/failures.ts';

export { type ErrorDecision, FAILURE_MESSAGES };

const OPERATOR_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^AuthenticationError$/,
    'ModelArk rejected the API key: check the configured key, and that it was created in the same region (and BytePlus vs Volcengine) as the base URL.',
  ],
  [
    /^(AccountOverdueError|OperationDenied\.ServiceOverdue)$/,
    'The Ark account is in arrears: top up its balance in the console.',
  ],
  [
    /^(AccessDenied|OperationDenied(\..*)?)$/,
    'Ark denied access: enable the service and the Seedream models for this account and key in the console.',
  ],
  [
    /^InvalidAccountStatus$/,
    'The Ark account is not in a usable state: check the account in the console.',
  ],
  [
    /^ModelNotOpen$/,
    'The Seedream model is not activated for this account: activate it in the Ark console (model activation).',
  ],
  [
    /^InvalidEndpointOrModel(\..*)?$/,
    'Ark does not know the model or endpoint id, or model-id calls are disabled: check the model ids, the flavor (doubao- prefix on Volcengine) and the region of the base URL.',
  ],
  [
    /^InvalidEndpoint(\..*)?$/,
    'The Ark inference endpoint is closed or invalid: reopen it or configure another one.',
  ],
  [
    /^QuotaExceeded$/,
    'Ark reports an exhausted quota (free trial, usage quota, or too many queued tasks; the upstream message says which).',
  ],
  [
    /^SetLimitExceeded$/,
    'The Ark account hit its "safe experience mode" spending limit: raise or turn off the limit in the console.',
  ],
  [
    /^(MissingParameter|InvalidParameter)(\..*)?$/,
    'Ark refused a request goodtake built: a goodtake bug or an upstream API change; the upstream message names the parameter.',
  ],
];

const RETRYABLE_429 =
  /^(ModelAccountIpmRateLimitExceeded|ServerOverloaded|RequestBurstTooFast|InflightBatchsizeExceeded|RateLimitExceeded(\..*)?|ModelAccountRpmRateLimitExceeded|ModelAccountTpmRateLimitExceeded|APIAccountRpmRateLimitExceeded|AccountRateLimitExceeded)$/;

/**
 * Maps an upstream error to a decision. `status` is the HTTP status of the reply, or 200 for an
 * error inside a successful reply (a failed `data[]` item or stream event); `code` may be empty
 * when the body was not an Ark error (for example a proxy's HTML page).
 */
export function classifyUpstreamError(status: number, code: string): ErrorDecision {
  if (/^(InputTextSensitiveContentDetected|SensitiveContentDetected)(\..*)?$/.test(code)) {
    return fail('content_policy', FAILURE_MESSAGES.promptRefused);
  }
  if (/^InputImageSensitiveContentDetected(\..*)?$/.test(code)) {
    return fail('content_policy', FAILURE_MESSAGES.sourceRefused);
  }
  if (/^OutputImageSensitiveContentDetected(\..*)?$/.test(code)) {
    return fail('content_policy', FAILURE_MESSAGES.outputRefused);
  }
  if (/^InvalidImageURL(\..*)?$/.test(code))
    return fail('invalid_input', FAILURE_MESSAGES.sourceUnusable);

  const hint = OPERATOR_HINTS.find(([pattern]) => pattern.test(code))?.[1];
  if (code === 'QuotaExceeded' || code === 'SetLimitExceeded') {
    // A retry within seconds cannot help: these need time or the operator.
    return fail('rate_limited', FAILURE_MESSAGES.rateLimited, hint);
  }
  if (hint) return fail('unavailable', FAILURE_MESSAGES.misconfigured, hint);

  if (status === 504 && code === '') {
    // A gateway timeout in front of Ark: the model may still be generating (and billing) the
    // image, so this is a timeout, and like one it is not retried.
    return fail('timeout', FAILURE_MESSAGES.timeout);
  }
  if (code === 'InternalServiceError' || status >= 500)
    return { action: 'retry', exhausted: 'unavailable' };
  if (status === 429 || RETRYABLE_429.test(code))
    return { action: 'retry', exhausted: 'rate_limited' };
  if (status === 401 || status === 403 || status === 404) {
    return fail(
      'unavailable',
      FAILURE_MESSAGES.misconfigured,
      `Ark refused access (HTTP ${status}${code ? `, ${code}` : ''}): check the API key, account and model activation.`,
    );
  }
  return fail(
    'unavailable',
    FAILURE_MESSAGES.unavailable,
    `Ark returned an unexpected error (HTTP ${status}${code ? `, ${code}` : ''}).`,
  );
}
