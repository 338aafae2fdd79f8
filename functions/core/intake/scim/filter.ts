import { scimBadRequest } from '#core/intake/scim/errors.ts';

/** An attribute a `/Users` filter may name (RFC 7644 section 3.4.2.2, the subset IdPs use). */
export type UserFilterAttribute = 'userName' | 'externalId' | 'id' | 'emails';

/** One `attribute eq "value"` comparison; `emailType` is set for `emails[type eq "work"].value`. */
export interface EqualityClause {
  attribute: UserFilterAttribute;
  value: string;
  emailType?: string;
}

/** A conjunction (`and`) of equality comparisons: what Entra ID and Okta send. */
export type UserFilter = readonly EqualityClause[];

const MAX_FILTER_LENGTH = 1024;

const SIMPLE_ATTRIBUTES: Readonly<Record<string, UserFilterAttribute>> = {
  username: 'userName',
  externalid: 'externalId',
  id: 'id',
  emails: 'emails',
  'emails.value': 'emails',
};

const CORE_USER_PREFIX = 'urn:ietf:params:scim:schemas:core:2.0:user:';

/**
 * Parses a `/Users` filter: one or more `<attr> eq "<value>"` joined by `and`. Attribute names and
 * the `eq`/`and` keywords are case-insensitive; values are JSON strings (escaped quotes allowed).
 * Supported attributes: userName, externalId, id, emails, emails.value, emails[type eq "…"].value.
 * @throws ScimError 400 `invalidFilter` for anything else.
 */
export function parseUserFilter(input: string): UserFilter {
  if (input.length > MAX_FILTER_LENGTH) throw invalid('Filter is too long');
  const tokens = tokenize(input);
  const clauses: EqualityClause[] = [];
  let position = 0;
  for (;;) {
    const [attributeToken, operator, valueToken] = tokens.slice(position, position + 3);
    if (attributeToken?.kind !== 'word' || operator?.kind !== 'word' || valueToken === undefined) {
      throw invalid('Expected <attribute> eq "<value>"');
    }
    if (operator.text.toLowerCase() !== 'eq') {
      throw invalid(`Unsupported operator "${operator.text}"; only eq (and "and") is supported`);
    }
    if (valueToken.kind !== 'string') throw invalid('The compared value must be a quoted string');
    clauses.push({ ...parseAttribute(attributeToken.text), value: valueToken.text });
    position += 3;
    const next = tokens[position];
    if (next === undefined) return clauses;
    if (next.kind !== 'word' || next.text.toLowerCase() !== 'and') {
      throw invalid('Only "and" may join comparisons');
    }
    position += 1;
  }
}

function parseAttribute(raw: string): Omit<EqualityClause, 'value'> {
  let path = raw;
  if (path.toLowerCase().startsWith(CORE_USER_PREFIX)) path = path.slice(CORE_USER_PREFIX.length);
  const simple = SIMPLE_ATTRIBUTES[path.toLowerCase()];
  if (simple !== undefined) return { attribute: simple };
  const typed = /^emails\[\s*type\s+eq\s+("(?:[^"\\]|\\.)*")\s*\]\.value$/i.exec(path);
  if (typed?.[1] !== undefined) {
    return { attribute: 'emails', emailType: JSON.parse(typed[1]) as string };
  }
  throw invalid(`Filtering on "${raw}" is not supported`);
}

type Token = { kind: 'word' | 'string'; text: string };

/** Splits on whitespace outside quotes and brackets; quoted values are decoded as JSON strings. */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < input.length) {
    const char = input[index] as string;
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if (char === '"') {
      const end = closingQuote(input, index);
      tokens.push({ kind: 'string', text: decodeString(input.slice(index, end + 1)) });
      index = end + 1;
      continue;
    }
    let end = index;
    let depth = 0;
    while (end < input.length) {
      const c = input[end] as string;
      if (c === '"' && depth > 0) {
        end = closingQuote(input, end) + 1;
        continue;
      }
      if (c === '[') depth += 1;
      else if (c === ']') depth -= 1;
      else if (depth === 0 && (/\s/.test(c) || c === '"')) break;
      if (depth < 0) throw invalid('Unbalanced brackets');
      end += 1;
    }
    if (depth !== 0) throw invalid('Unbalanced brackets');
    tokens.push({ kind: 'word', text: input.slice(index, end) });
    index = end;
  }
  return tokens;
}

function closingQuote(input: string, start: number): number {
  for (let i = start + 1; i < input.length; i += 1) {
    if (input[i] === '\\') i += 1;
    else if (input[i] === '"') return i;
  }
  throw invalid('Unterminated string');
}

function decodeString(quoted: string): string {
  try {
    const value: unknown = JSON.parse(quoted);
    if (typeof value === 'string') return value;
  } catch {
    // fall through to the SCIM error below
  }
  throw invalid('Invalid string escape');
}

function invalid(detail: string) {
  return scimBadRequest('invalidFilter', detail);
}
