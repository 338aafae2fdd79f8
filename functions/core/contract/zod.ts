/**
 * The zod every module under `functions/` builds its schemas with: `zod/mini`, zod's functional
 * API (`z.optional(z.string())`, `.check(z.minLength(1))` instead of methods), with zod's English
 * messages configured as the classic API does on import.
 *
 * Why not the classic `zod` API: zod was 97.5 KB of the worker bundle with it and is 39.0 KB with
 * mini, English messages included (`npm run bench`, December 2026); and classic attaches its methods
 * to every schema as it is built, which was most of the import cost of the worker's ~400 schemas.
 * Parsing and its results (`safeParse`, issues, messages) are the same; both are zod 4 core.
 * Tools outside `functions/` (local/, cli/, infra/, tests) may use either; they are not bundled.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
