import { pino, type Logger } from 'pino';

/** JSON logs to stdout (journald friendly). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'wrend' }, timestamp: pino.stdTimeFunctions.isoTime });
}
