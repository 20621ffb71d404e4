/**
 * Reads an environment variable where there is one (Node, Deno, Bun), and nothing in a
 * browser: the core never touches a Node-only global directly.
 */
export function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const value = env?.[name]?.trim();
  return value === '' ? undefined : value;
}
