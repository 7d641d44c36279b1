/** An environment variable's value, or undefined when it is unset or blank (as OTel reads them). */
export function envText(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
