// Structured JSON logs. Seller text may hold phone numbers and e-mail addresses: those are masked
// before anything is written (the agent still sees them in the transcript).
import pino, { type Logger } from 'pino';

// A match starts only where the address part starts (the lookbehind): tried from every letter of a long
// word, the pattern reread the word each time, quadratic in its length.
const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const PHONE = /(?<!\d)(?:\+?\d[\d\s-]{7,}\d)(?!\d)/g;

export function maskPii(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, (m) => (m.replace(/\D/g, '').length >= 8 ? '[phone]' : m));
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { text: (value: unknown) => (typeof value === 'string' ? maskPii(value) : value) },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type { Logger };
