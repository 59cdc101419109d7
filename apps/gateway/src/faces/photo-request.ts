import type { FastifyRequest } from 'fastify';
import { FaceshardError } from '@faceshard/contracts';

/** The type each option of a photo request must have; multipart fields (strings) are converted to it. */
export type OptionType = 'string' | 'number' | 'int' | 'boolean' | 'object';
export type OptionSpec = Record<string, OptionType>;

type OptionValue<T extends OptionType> = T extends 'string'
  ? string
  : T extends 'number' | 'int'
    ? number
    : T extends 'boolean'
      ? boolean
      : Record<string, unknown>;
export type Options<S extends OptionSpec> = { [K in keyof S]?: OptionValue<S[K]> };

export interface PhotoRequest<S extends OptionSpec> {
  /** Image bytes by part/field name (e.g. image, or image1 and image2). */
  images: Map<string, Buffer>;
  options: Options<S>;
}

/**
 * Reads a photo request in either form: multipart/form-data (image file parts + text fields) or
 * JSON (base64 image strings + options). Sizes are checked while reading: a multipart file stops
 * streaming at maxImageBytes, a base64 string is measured before it is decoded.
 */
export async function readPhotoRequest<S extends OptionSpec>(
  req: FastifyRequest,
  form: { imageFields: readonly string[]; options: S; maxImageBytes: number },
): Promise<PhotoRequest<S>> {
  const images = new Map<string, Buffer>();
  const raw: Record<string, unknown> = {};
  const multipart = (req as FastifyRequest & { isMultipart?: () => boolean }).isMultipart?.() === true;
  if (multipart) {
    const parts = (req as unknown as { parts(o: object): AsyncIterable<MultipartPart> }).parts({
      limits: { fileSize: form.maxImageBytes, files: form.imageFields.length, fields: 32, fieldSize: 64 * 1024 },
    });
    try {
      for await (const part of parts) {
        if (part.type === 'file') {
          if (!form.imageFields.includes(part.fieldname)) throw unknownField(part.fieldname, form);
          images.set(part.fieldname, await part.toBuffer());
        } else {
          if (form.imageFields.includes(part.fieldname)) {
            // curl -F "image=<photo.jpg" (or a form's text input) sends the bytes as a text field.
            throw new FaceshardError('VALIDATION_FAILED', `"${part.fieldname}" must be a file part (curl -F ${part.fieldname}=@photo.jpg), not a text field`, {
              field: part.fieldname,
            });
          }
          raw[part.fieldname] = fromText(part.fieldname, String(part.value), form.options[part.fieldname]);
        }
      }
    } catch (error) {
      throw multipartError(error, form.maxImageBytes);
    }
  } else {
    const body = req.body;
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new FaceshardError('VALIDATION_FAILED', 'send the photo as multipart/form-data (part "image") or as JSON with a base64 "image"');
    }
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (form.imageFields.includes(name)) {
        if (value === undefined || value === null) continue;
        images.set(name, decodeBase64Image(name, value, form.maxImageBytes));
      } else raw[name] = value;
    }
  }
  return { images, options: readOptions(raw, form) };
}

interface MultipartPart {
  type: 'file' | 'field';
  fieldname: string;
  value?: unknown;
  toBuffer(): Promise<Buffer>;
}

/** Checks each option against its type; unknown options are refused (a typo must not pass silently). */
export function readOptions<S extends OptionSpec>(raw: Record<string, unknown>, form: { imageFields: readonly string[]; options: S }): Options<S> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const type = form.options[name];
    if (!type) throw unknownField(name, form);
    if (value === undefined || value === null) continue;
    const ok =
      type === 'string'
        ? typeof value === 'string'
        : type === 'number'
          ? typeof value === 'number' && Number.isFinite(value)
          : type === 'int'
            ? Number.isSafeInteger(value)
            : type === 'boolean'
              ? typeof value === 'boolean'
              : typeof value === 'object' && !Array.isArray(value);
    if (!ok) throw new FaceshardError('VALIDATION_FAILED', `${name} must be ${type === 'int' ? 'an integer' : `a ${type}`}`, { field: name });
    out[name] = value;
  }
  return out as Options<S>;
}

function fromText(name: string, text: string, type: OptionType | undefined): unknown {
  switch (type) {
    case 'number':
    case 'int':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'object':
      try {
        return JSON.parse(text);
      } catch {
        throw new FaceshardError('VALIDATION_FAILED', `${name} must be a JSON object`, { field: name });
      }
    default:
      return text;
  }
}

/**
 * A JSON body's base64 photo (or a data: URL of one). Line breaks and spaces are dropped first:
 * MIME-style base64 (the `base64` command without -w0, Python's encodebytes, Java's MIME
 * encoder) wraps every 76 characters, and a photo sent that way is still the same photo.
 */
export function decodeBase64Image(name: string, value: unknown, maxImageBytes: number): Buffer {
  if (typeof value !== 'string') throw new FaceshardError('VALIDATION_FAILED', `${name} must be a base64 string`, { field: name });
  const b64 = (value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value).replace(/[\r\n\t ]+/g, '');
  // Measured before decoding: base64 holds 3 bytes per 4 characters.
  const bytes = Math.floor((b64.length * 3) / 4);
  if (bytes > maxImageBytes + 2) {
    throw new FaceshardError('IMAGE_TOO_LARGE', `${name} is about ${bytes} bytes, limit ${maxImageBytes}`, { bytes, maxBytes: maxImageBytes });
  }
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new FaceshardError('IMAGE_INVALID', `${name} is not base64`);
  return Buffer.from(b64, 'base64');
}

function unknownField(name: string, form: { imageFields: readonly string[]; options: OptionSpec }): FaceshardError {
  const known = [...form.imageFields, ...Object.keys(form.options)].join(', ');
  return new FaceshardError('VALIDATION_FAILED', `unknown field "${name}" (known: ${known})`, { field: name });
}

function multipartError(error: unknown, maxImageBytes: number): unknown {
  if (error instanceof FaceshardError) return error;
  const code = (error as { code?: string })?.code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    return new FaceshardError('IMAGE_TOO_LARGE', `image is larger than ${maxImageBytes} bytes`, { maxBytes: maxImageBytes });
  }
  if (code === 'FST_FILES_LIMIT') return new FaceshardError('VALIDATION_FAILED', 'too many image parts in one request');
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return new FaceshardError('VALIDATION_FAILED', 'too many parts in one request');
  return new FaceshardError('VALIDATION_FAILED', `malformed multipart body: ${(error as Error)?.message ?? String(error)}`);
}
