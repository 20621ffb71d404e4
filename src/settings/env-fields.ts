import { z } from 'zod';

/*
 * The field types every environment setting is read with (src/config.ts and each provider's
 * settings schema), so a number, a switch or an optional string is checked and worded alike.
 */

/** An integer variable with a default and a minimum; the message names the variable. */
export const intFrom = (name: string, def: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be an integer >= ${min}, got '${v}'`,
        });
        return z.NEVER;
      }
      return n;
    });

/** A true/false variable (1/0, yes/no, on/off too). */
export const boolFrom = (name: string, def: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      if (/^(1|true|yes|on)$/i.test(v)) return true;
      if (/^(0|false|no|off)$/i.test(v)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got '${v}'` });
      return z.NEVER;
    });

/** A string variable; empty or blank counts as unset. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** An optional absolute http(s) URL; the message names the variable. */
export const optionalUrl = (name: string) =>
  optionalString.superRefine((v, ctx) => {
    if (v !== undefined && !(URL.canParse(v) && /^https?:\/\//i.test(v))) {
      ctx.addIssue({ code: 'custom', message: `${name} must be an absolute URL` });
    }
  });
