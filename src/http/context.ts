import type { SessionUser } from '../console/users/sessions.ts';
import type { VerifiedKey } from '../keys/api-keys.ts';
import type { RequestBody } from './body/request-body.ts';

/** Typed per-request values, set once by middleware and read by handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The API key that authenticated the request (set by `authenticate`). */
    apiKey: VerifiedKey;
    /** The request's bounded body reader: the only way routes read a body (request-body.ts). */
    body: RequestBody;
    /** The console's signed-in user (set by the console's session middleware). */
    consoleUser: SessionUser;
  };
}
