import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Structured JSON logs; pretty, human output only when stdout is a terminal. */
export function createLogger(level: LevelWithSilent = 'info', opts: { pretty?: boolean } = {}): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  // Synchronous writes so nothing is lost when the process exits right after a fatal error.
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 1, sync: true }));
}
