/** A config that cannot be applied; the message names the file, line:column and key. */
export class ConfigError extends Error {
  readonly code = 'config.invalid';
}
