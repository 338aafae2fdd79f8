import * as z from 'zod';
import type { IdentityRecord } from '#core/ports/identity-store.ts';

const ZOHO_ID = /^\d{1,32}$/;

/** A Zoho id (help center or Help Center user): digits as Zoho issues them. */
const zohoId = z.string().regex(ZOHO_ID, 'must be a Zoho id (digits)');

export const isZohoId = (value: string): boolean => ZOHO_ID.test(value);

/** One identity to import: at least one IdP-side key and the Help Center user id per help center. */
export const IdentityRowSchema = z
  .object({
    idpUserId: z.string().trim().min(1).max(512).optional(),
    email: z.string().trim().toLowerCase().pipe(z.email()).optional(),
    externalId: z.string().trim().min(1).max(512).optional(),
    helpCenterUserIds: z.record(zohoId, zohoId).default({}),
  })
  .strict()
  .refine((r) => r.idpUserId !== undefined || r.email !== undefined || r.externalId !== undefined, {
    message: 'needs at least one of idpUserId, email, externalId',
  });
export type IdentityRow = z.infer<typeof IdentityRowSchema>;

export interface RowError {
  line: number;
  message: string;
}

export interface ParsedRows {
  rows: Array<{ line: number; row: IdentityRow }>;
  errors: RowError[];
}

/** CSV columns: idpUserId, email, externalId, and one `hc:<helpCenterId>` column per help center. */
export const CSV_FIXED_COLUMNS = ['idpUserId', 'email', 'externalId'] as const;

/** Splits CSV text into records of fields (RFC 4180: quotes, doubled quotes, CRLF). */
export function* csvRecords(text: string): Generator<{ line: number; fields: string[] }> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let sawAny = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else quoted = false;
      } else {
        if (c === '\n') line += 1;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      sawAny = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      sawAny = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      fields.push(field);
      if (sawAny || field !== '') yield { line: startLine, fields };
      fields = [];
      field = '';
      sawAny = false;
      line += 1;
      startLine = line;
    } else {
      field += c;
      sawAny = true;
    }
  }
  if (sawAny || field !== '') {
    fields.push(field);
    yield { line: startLine, fields };
  }
}

/** One line per problem, `path: message`; a bad help center id (a record key) says what it must be. */
export function issues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const message =
        i.code === 'invalid_key' && i.path[0] === 'helpCenterUserIds'
          ? `help center id ${JSON.stringify(String(i.path.at(-1)))} ${i.issues[0]?.message ?? i.message}`
          : i.message;
      return `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${message}`;
    })
    .join('; ');
}

/** Parses and validates every row of a CSV file; errors carry 1-based line numbers. */
export function parseCsv(text: string): ParsedRows {
  const out: ParsedRows = { rows: [], errors: [] };
  const records = csvRecords(text.replace(/^\uFEFF/, ''));
  const header = records.next();
  if (header.done)
    return { rows: [], errors: [{ line: 1, message: 'empty file (no header row)' }] };
  const columns = header.value.fields.map((f) => f.trim());
  for (const column of columns) {
    if (
      !(CSV_FIXED_COLUMNS as readonly string[]).includes(column) &&
      !/^hc:\d{1,32}$/.test(column)
    ) {
      out.errors.push({
        line: header.value.line,
        message: `unknown column "${column}" (expected ${CSV_FIXED_COLUMNS.join(', ')} and hc:<helpCenterId> columns)`,
      });
    }
  }
  if (out.errors.length > 0) return out;
  for (const { line, fields } of records) {
    if (fields.length !== columns.length) {
      out.errors.push({
        line,
        message: `has ${fields.length} fields, the header has ${columns.length}`,
      });
      continue;
    }
    const raw: Record<string, unknown> = {};
    const links: Record<string, string> = {};
    columns.forEach((column, i) => {
      const value = (fields[i] ?? '').trim();
      if (value === '') return;
      if (column.startsWith('hc:')) links[column.slice(3)] = value;
      else raw[column] = value;
    });
    const parsed = IdentityRowSchema.safeParse({ ...raw, helpCenterUserIds: links });
    if (parsed.success) out.rows.push({ line, row: parsed.data });
    else out.errors.push({ line, message: issues(parsed.error) });
  }
  return out;
}

/** Parses and validates every line of a JSON-lines file (blank lines are skipped). */
export function parseJsonl(text: string): ParsedRows {
  const out: ParsedRows = { rows: [], errors: [] };
  text.split('\n').forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch {
      out.errors.push({ line, message: 'not valid JSON' });
      return;
    }
    const parsed = IdentityRowSchema.safeParse(json);
    if (parsed.success) out.rows.push({ line, row: parsed.data });
    else out.errors.push({ line, message: issues(parsed.error) });
  });
  return out;
}

/** Rows naming the same IdP id or email as an earlier row are errors (one person, one row). */
export function rejectDuplicates(parsed: ParsedRows): ParsedRows {
  const seen = new Map<string, number>();
  const rows: ParsedRows['rows'] = [];
  const errors = [...parsed.errors];
  for (const entry of parsed.rows) {
    const keys = [
      entry.row.idpUserId && `idpUserId ${entry.row.idpUserId}`,
      entry.row.externalId && `externalId ${entry.row.externalId}`,
      entry.row.email && `email ${entry.row.email}`,
    ].filter((k): k is string => Boolean(k));
    const clash = keys.find((k) => seen.has(k));
    if (clash) {
      errors.push({ line: entry.line, message: `${clash} already on line ${seen.get(clash)}` });
      continue;
    }
    for (const k of keys) seen.set(k, entry.line);
    rows.push(entry);
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

function csvField(value: string | undefined): string {
  if (value === undefined) return '';
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Identity records as import CSV (one hc:<id> column per help center seen). */
export function toCsv(records: readonly IdentityRecord[]): string {
  const helpCenters = [
    ...new Set(records.flatMap((r) => Object.keys(r.helpCenterUserIds ?? {}))),
  ].sort();
  const header = [...CSV_FIXED_COLUMNS, ...helpCenters.map((h) => `hc:${h}`)].join(',');
  const lines = records.map((r) =>
    [r.idpUserId, r.email, r.externalId, ...helpCenters.map((h) => r.helpCenterUserIds?.[h])]
      .map(csvField)
      .join(','),
  );
  return [header, ...lines].join('\n');
}
