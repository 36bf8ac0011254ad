// Attachment upload for the web chat (screenshots for the agent): a bounded multipart reader, the
// file types we accept (recognised by their first bytes, not by what the browser claims) and limits.
import type { IncomingMessage } from 'node:http';

export const UPLOAD_LIMITS = {
  /** One file (a phone screenshot is 1-3 MB). */
  maxFileBytes: 5 * 1024 * 1024,
  maxFiles: 5,
  /** The whole multipart request: the files plus the activity part and the framing. */
  maxRequestBytes: 10 * 1024 * 1024 + 64 * 1024,
  maxActivityBytes: 64 * 1024,
} as const;

export const ACCEPTED_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'] as const;
export type AcceptedType = (typeof ACCEPTED_TYPES)[number];

const EXTENSIONS: Record<AcceptedType, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
};

export function extensionOf(type: AcceptedType): string {
  return EXTENSIONS[type];
}

/** The real type of a file from its signature; undefined for anything we do not accept. */
export function sniffType(data: Buffer): AcceptedType | undefined {
  const starts = (bytes: number[], offset = 0) => bytes.every((b, i) => data[offset + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (data.subarray(0, 6).toString('latin1') === 'GIF87a' || data.subarray(0, 6).toString('latin1') === 'GIF89a') return 'image/gif';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (data.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return undefined;
}

/** A file name safe to show and to put in a header: no path, no control characters, not too long. */
export function cleanFileName(name: string | undefined, type: AcceptedType): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\p{Cc}\p{Cf}"<>]/gu, '').trim().slice(0, 120);
  // The extension is always the detected type's: a PDF offered as x.html or a PNG as .exe would be
  // opened by whatever the name says once downloaded.
  const extension = extensionOf(type);
  const dot = cleaned.lastIndexOf('.');
  const current = dot > 0 ? cleaned.slice(dot + 1).toLowerCase() : '';
  if (current === extension || (type === 'image/jpeg' && current === 'jpeg')) return cleaned;
  const stem = (dot > 0 ? cleaned.slice(0, dot) : cleaned).trim() || 'attachment';
  return `${stem.slice(0, 110)}.${extension}`;
}

export class BodyTooLargeError extends Error {
  constructor(
    message: string,
    /** The rest of the body was not read: answer with `Connection: close`. */
    readonly abandoned: boolean,
  ) {
    super(message);
  }
}

/**
 * Reads a request body of at most maxBytes. A larger body is read to its end and dropped (so the
 * client gets the 413 rather than a reset connection) up to a hard cap; past the cap reading stops.
 */
export function readBody(req: IncomingMessage, maxBytes: number, hardCapBytes = maxBytes * 4): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > hardCapBytes) {
      req.pause();
      reject(new BodyTooLargeError(`body of ${declared} bytes`, true));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > hardCapBytes) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLargeError(`body over ${hardCapBytes} bytes`, true));
        return;
      }
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => (tooLarge ? reject(new BodyTooLargeError(`body over ${maxBytes} bytes`, false)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export interface Part {
  name: string;
  fileName?: string;
  contentType?: string;
  data: Buffer;
}

export class MultipartError extends Error {}

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

function parseDisposition(value: string): { name?: string; fileName?: string } {
  const param = (key: string) => {
    const star = new RegExp(`;\\s*${key}\\*=(?:UTF-8'')?([^;]+)`, 'i').exec(value);
    if (star?.[1]) {
      try {
        return decodeURIComponent(star[1].trim());
      } catch {
        return star[1].trim();
      }
    }
    const quoted = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(value);
    if (quoted?.[1] !== undefined) return quoted[1].replace(/\\(.)/g, '$1');
    const bare = new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(value);
    return bare?.[1];
  };
  return { name: param('name'), fileName: param('filename') };
}

/** Splits a multipart/form-data body into its parts (RFC 7578). Browsers send UTF-8 file names. */
export function parseMultipart(body: Buffer, boundary: string, maxParts = 20): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) throw new MultipartError('no multipart boundary in the body');
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString('latin1') === '--') break; // closing delimiter
    if (body.subarray(position, position + 2).toString('latin1') !== '\r\n') throw new MultipartError('malformed multipart delimiter');
    position += 2;
    const headerEnd = body.indexOf('\r\n\r\n', position, 'latin1');
    if (headerEnd < 0 || headerEnd - position > 8 * 1024) throw new MultipartError('malformed multipart headers');
    const headers = body.subarray(position, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new MultipartError('unterminated multipart body');
    const part: Part = { name: '', data: body.subarray(headerEnd + 4, next) };
    for (const line of headers) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'content-disposition') {
        const { name, fileName } = parseDisposition(value);
        part.name = name ?? '';
        if (fileName !== undefined) part.fileName = fileName;
      } else if (key === 'content-type') {
        part.contentType = value.toLowerCase();
      }
    }
    parts.push(part);
    if (parts.length > maxParts) throw new MultipartError('too many parts');
    position = next + 2;
  }
  return parts;
}
